/**
 * The narrow interfaces the deploy manager needs from its neighbours (telemetry, TCP
 * dialling) and the shapes it hands to the admin API. Notifications use `src/notify`'s
 * `Notifier`.
 *
 * @module
 */
import type { VerificationStatus } from "../verify/gate.ts";

/**
 * Receives the deploy manager's events for metrics. Absent when telemetry is off.
 * `src/telemetry` implements it.
 */
export interface DeployObserver {
  /** A rolling deploy of a new version succeeded after `seconds`. */
  deploymentSucceeded(seconds: number): void;
  /** A rolling deploy of a new version failed (and was rolled back). */
  deploymentFailed(): void;
  /** One health probe ran; `ok` says whether it passed. */
  healthCheck(ok: boolean): void;
  /** The number of managed replicas in rotation changed by `delta`. */
  replicasChanged(delta: number): void;
}

/**
 * Whether something really serves `hostname:port` (the runtime's `probeTcp`): the health probe
 * when no `--health-path`. Resolves `false` instead of rejecting.
 */
export type TcpProbe = (hostname: string, port: number, timeoutMs: number) => Promise<boolean>;

/** A version the signature check looks at: its tag, digest, and the tags listed with it. */
export interface GateImage {
  /** The tag (`v1.2.0`). */
  tag: string;
  /** The digest that would run. */
  digest: string;
  /** Every tag the listing returned, when known. */
  tags?: readonly string[];
}

/** The `--verify-key` check asked before a digest is deployed (`SignatureGate` of `src/verify`). */
export interface DeployGate {
  /** `undefined` when `image` may be deployed, else why not (reported by the gate). */
  refusal(image: GateImage, signal?: AbortSignal): Promise<Error | undefined>;
  /** Check the version that already runs once (it keeps running either way). */
  auditRunning(image: GateImage, signal?: AbortSignal): Promise<void>;
  /** What `/api/status` shows, for the running digest. */
  status(digest: string | undefined): VerificationStatus;
}

/** What a registry check did. */
export type CheckOutcome =
  /** A new version was rolled out. */
  | "deployed"
  /** Missing replicas of the running version were started again. */
  | "healed"
  /** The newest version already runs on every replica. */
  | "up-to-date"
  /** The newest version has no valid signature by a `--verify-key` key (see `error`). */
  | "refused"
  /** The newest version failed recently; it is retried after `retryAt`. */
  | "backoff"
  /** The registry asked us (429) to wait until `retryAt`. */
  | "rate-limited"
  /** The check failed (registry, engine or deploy error, see `error`). */
  | "failed"
  /** Automatic deploys are paused: the newest version was not deployed (what is held keeps serving). */
  | "paused"
  /** No tag lies in the `constraint=` range: the running version keeps serving. */
  | "no-match"
  /** The manager is shutting down. */
  | "stopped";

/** The result of one check (also the answer of `POST /api/deploy`). */
export interface CheckResult {
  /** What happened. */
  outcome: CheckOutcome;
  /** The newest tag the registry offered, when it answered. */
  version?: string;
  /** Epoch milliseconds after which the next attempt is made (`backoff`, `rate-limited`). */
  retryAt?: number;
  /** The failure (`failed`), or why the version was refused (`refused`). */
  error?: unknown;
}

/** One running managed container, as `GET /api/containers` shows it. */
export interface ContainerInfo {
  /** Full container id. */
  id: string;
  /** Name without the leading `/`. */
  name: string;
  /** Image reference as run (pinned by digest). */
  image: string;
  /** Engine state, e.g. `running`. */
  status: string;
  /** `127.0.0.1:<hostPort>` of the first mapping, `""` when none is published. */
  ip_port: string;
  /** When the container started (RFC 3339), `""` when never started. */
  started_at: string;
  /** The `dewy.deployed_at` label, falling back to `started_at`. */
  deployed_at: string;
  /** Every label of the container. */
  labels: Record<string, string>;
}

/** The deploy manager's state for `GET /api/status`. */
export interface DeployStatus {
  /** App name (`dewy.app`). */
  app: string;
  /** Tag in rotation (last deployed or adopted), `""` before the first one. */
  currentVersion: string;
  /** Digest in rotation, `""` before the first one. */
  currentDigest: string;
  /** Backends in rotation summed over every proxy port. */
  proxyBackends: number;
  /** Managed replicas in rotation. */
  replicas: number;
  /** Whether a check or deploy is running right now. */
  busy: boolean;
  /** The last finished check: when (epoch ms), its outcome and the version it saw. */
  lastCheck?: { at: number; outcome: CheckOutcome; version?: string };
  /** The last failure of a check or deploy: when (epoch ms) and what. */
  lastError?: { at: number; message: string };
  /** When the next scheduled check runs (epoch ms); absent before the loop started. */
  nextCheckAt?: number;
  /** Signature verification (`--verify-key`); absent when off. */
  verification?: VerificationStatus;
}
