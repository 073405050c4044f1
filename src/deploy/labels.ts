/**
 * How dewy marks and names its containers: the `dewy.*` labels and `<base>-<unix>-<i>` names.
 *
 * @module
 */

/** Marks every container dewy manages. */
export const LABEL_MANAGED = "dewy.managed";
/** The app a container belongs to (`--name`). */
export const LABEL_APP = "dewy.app";
/** When the container was deployed (RFC 3339). */
export const LABEL_DEPLOYED_AT = "dewy.deployed_at";
/** The replica index, 0-based. */
export const LABEL_REPLICA = "dewy.replica";
/** The tag the container runs. */
export const LABEL_VERSION = "dewy.version";

/** The label filter matching every managed container of `app`. */
export function appFilter(app: string): Record<string, string> {
  return { [LABEL_MANAGED]: "true", [LABEL_APP]: app };
}

/** What a new replica is labelled with. */
export interface ReplicaLabelValues {
  /** App name. */
  app: string;
  /** Tag deployed. */
  version: string;
  /** Replica index. */
  replica: number;
  /** Deploy time, epoch milliseconds. */
  deployedAt: number;
}

/** The `dewy.*` labels of a new replica. */
export function replicaLabels(values: ReplicaLabelValues): Record<string, string> {
  return {
    ...appFilter(values.app),
    [LABEL_DEPLOYED_AT]: rfc3339(values.deployedAt),
    [LABEL_REPLICA]: String(values.replica),
    [LABEL_VERSION]: values.version,
  };
}

/** `<base>-<unixSeconds>-<replica>`. */
export function containerName(base: string, deployedAt: number, replica: number): string {
  return `${base}-${Math.floor(deployedAt / 1000)}-${replica}`;
}

/**
 * RFC 3339 without fractional seconds in the host's local offset, as Go Dewy writes
 * `dewy.deployed_at` (Go's `time.RFC3339`): `2026-01-01T19:00:00+09:00`, `Z` for UTC.
 * `offsetMinutes` (east of UTC) defaults to the local one at that instant.
 */
export function rfc3339(
  epochMs: number,
  offsetMinutes = -new Date(epochMs).getTimezoneOffset(),
): string {
  const shifted = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${shifted}Z`;
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${shifted}${offsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The `sha256:…` digest of a pinned reference (`repo@sha256:…`), `""` when it has none. */
export function digestOf(reference: string): string {
  const at = reference.lastIndexOf("@");
  return at < 0 ? "" : reference.slice(at + 1);
}

/** The replica index label as a number, `-1` when missing or malformed. */
export function replicaIndexOf(labels: Record<string, string>): number {
  const raw = labels[LABEL_REPLICA];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : -1;
}
