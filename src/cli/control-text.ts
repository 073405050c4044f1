/**
 * The text of `dewy container status` and `dewy container history`, from the admin API's JSON.
 *
 * @module
 */

/** A history entry as `/api/history` sends it. */
export interface HistoryJson {
  /** Tag. */
  version: string;
  /** Digest. */
  digest: string;
  /** RFC 3339 start. */
  started_at: string;
  /** Duration in ms. */
  duration_ms: number;
  /** `deployed`, `rolled back` or `failed`. */
  outcome: string;
  /** Why it was rolled back or failed. */
  reason?: string;
  /** `poll`, `api`, `rollback` or `heal`. */
  trigger: string;
}

/** The pause as `/api/status` sends it. */
interface PauseJson {
  kind: "pause" | "pin";
  reason: string;
  by: string;
  since: string;
  version: string | null;
}

/** The fields of `/api/status` the CLI shows. */
export interface StatusBody {
  /** 2 = container mode. */
  command: number;
  /** App name. */
  name: string;
  /** Tag serving. */
  current_version: string;
  /** Digest serving. */
  current_digest?: string;
  /** Replicas in rotation. */
  replicas?: number;
  /** Backends in rotation. */
  proxy_backends?: number;
  /** Whether a check or deploy runs. */
  deploying?: boolean;
  /** The pause, `null` when none. */
  pause?: PauseJson | null;
  /** The last check. */
  last_check?: { at: string; outcome: string; version?: string } | null;
  /** The last deploy. */
  last_deploy?: HistoryJson | null;
  /** The last error. */
  last_error?: { at: string; error: string } | null;
  /** The next scheduled check (while paused it only logs what it skips). */
  next_check?: string | null;
  /** Signature checks (`--verify-key`); absent from a dewy that predates them. */
  verification?: {
    enabled: boolean;
    signed_by?: { path: string; format: string } | null;
  };
}

/** `2026-12-06T21:40:00.123Z` → `2026-12-06 21:40:00Z`. */
function shortTime(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function shortDigest(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, "$1");
}

function pauseLine(pause: PauseJson | null | undefined): string {
  if (!pause) return "no (automatic deploys run)";
  const why = pause.reason ? `: ${pause.reason}` : "";
  const by = `by ${pause.by.toUpperCase()} since ${shortTime(pause.since)}${why}`;
  return pause.kind === "pin" ? `pinned at ${pause.version} after a rollback, ${by}` : `yes, ${by}`;
}

function deployLine(entry: HistoryJson): string {
  const reason = entry.reason ? `: ${entry.reason}` : "";
  return `${entry.version} ${entry.outcome}${reason} at ${shortTime(entry.started_at)} ` +
    `(${entry.trigger}, ${(entry.duration_ms / 1000).toFixed(1)} s)`;
}

function signaturesLine(v: NonNullable<StatusBody["verification"]>): string {
  if (!v.enabled) return "not checked (no --verify-key)";
  const by = v.signed_by;
  return by
    ? `checked; the running version is signed by ${by.path} (${by.format})`
    : "checked; the running version has no verified signature";
}

/** The lines of `dewy container status`. */
export function renderStatus(s: StatusBody): string[] {
  const serving = s.current_version
    ? `${s.current_version} (${shortDigest(s.current_digest ?? "")}) on ${s.replicas ?? 0} ` +
      `replica(s), ${s.proxy_backends ?? 0} backend(s) in rotation`
    : "nothing yet";
  const check = s.last_check;
  const rows: Array<[string, string]> = [
    ["app", s.name],
    ["serving", serving],
    ["paused", pauseLine(s.pause)],
    [
      "last check",
      check
        ? `${shortTime(check.at)} ${check.outcome}${check.version ? ` (${check.version})` : ""}`
        : "none yet",
    ],
    ["last deploy", s.last_deploy ? deployLine(s.last_deploy) : "none recorded"],
    ["last error", s.last_error ? `${shortTime(s.last_error.at)} ${s.last_error.error}` : "none"],
    [
      "next check",
      !s.next_check
        ? "not scheduled"
        : shortTime(s.next_check) + (s.pause ? " (while paused it deploys nothing new)" : ""),
    ],
  ];
  if (s.verification) rows.push(["signatures", signaturesLine(s.verification)]);
  if (s.deploying) rows.push(["deploying", "a check or deploy is running now"]);
  return rows.map(([k, v]) => `${`${k}:`.padEnd(13)}${v}`);
}

/** The table of `dewy container history`, oldest first. */
export function renderHistory(entries: readonly HistoryJson[]): string[] {
  if (entries.length === 0) return ["No deploys recorded yet."];
  const rows = entries.map((e) => [
    shortTime(e.started_at),
    e.version,
    shortDigest(e.digest),
    `${(e.duration_ms / 1000).toFixed(1)}s`,
    e.trigger,
    e.outcome + (e.reason ? `: ${e.reason}` : ""),
  ]);
  const header = ["STARTED", "VERSION", "DIGEST", "DURATION", "TRIGGER", "OUTCOME"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 2))).join("");
  return [line(header), ...rows.map(line)];
}
