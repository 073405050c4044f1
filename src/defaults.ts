/**
 * Every timing and sizing default of dewy, in one place, each with the reason for its value.
 * Values in milliseconds unless the name says otherwise.
 *
 * @module
 */

/** Registry poll interval (`--interval`, seconds): first check at start-up, then every 10 s. */
export const POLL_INTERVAL_S = 10;
/** Total time a new replica gets to become healthy (`--health-timeout`, seconds). */
export const HEALTH_TIMEOUT_S = 30;
/** Gap between two health probes of one replica: one per second. */
export const HEALTH_PROBE_INTERVAL_MS = 1_000;
/** Timeout of one health probe (HTTP request or TCP connect). */
export const HEALTH_PROBE_TIMEOUT_MS = 5_000;
/** Time open connections of a retired backend get to finish (`--drain-time`, seconds). */
export const DRAIN_TIME_S = 30;
/** Proxy idle timeout (`--proxy-idle-timeout`, seconds): no bytes either way for 5 min. */
export const PROXY_IDLE_TIMEOUT_S = 300;
/** Time the proxy waits for a backend's TCP handshake before trying the next backend. */
export const PROXY_CONNECT_TIMEOUT_MS = 5_000;
/** First admin API port; the next nine are tried when it is taken. */
export const ADMIN_PORT = 17_539;
/** How many consecutive admin ports are tried (and scanned by `dewy container list`). */
export const ADMIN_PORT_ATTEMPTS = 10;
/** Timeout of one `dewy container list` request to an admin port. */
export const ADMIN_CLIENT_TIMEOUT_MS = 2_000;
/** Graceful stop timeout (seconds) for old replicas and at shutdown, before SIGKILL. */
export const STOP_TIMEOUT_S = 10;
/** Lines of output logged for a replica that failed to start or to become healthy. */
export const FAILED_OUTPUT_LINES = 30;
/** Stop timeout (seconds) for replicas of a failed deploy being rolled back. */
export const ROLLBACK_STOP_TIMEOUT_S = 5;
/** Registry HTTP request timeout. */
export const REGISTRY_TIMEOUT_MS = 30_000;
/** Upper bound on `Link` pages followed when listing tags. */
export const REGISTRY_MAX_PAGES = 100;
/** Longest pause of the checks a registry's `Retry-After` can ask for (a larger one is capped). */
export const REGISTRY_MAX_PAUSE_MS = 60 * 60_000;
/** First back-off after a failed deploy of a version; doubles per failure. */
export const DEPLOY_RETRY_BASE_MS = 30_000;
/** Ceiling of the failed-version back-off. */
export const DEPLOY_RETRY_MAX_MS = 30 * 60_000;
/** Images of the app kept on the engine after a deploy; older ones are pruned. */
export const IMAGES_KEPT = 7;
/** Container gauges reuse one engine observation for this long (scrapes + OTLP share it). */
export const CONTAINER_METRICS_CACHE_MS = 5_000;
/** Bound on one engine observation for the container gauges. */
export const CONTAINER_METRICS_TIMEOUT_MS = 2_000;
/** OTLP push interval (`OTEL_METRIC_EXPORT_INTERVAL` overrides). */
export const OTLP_EXPORT_INTERVAL_MS = 15_000;
/** Bound on the final telemetry flush at shutdown. */
export const TELEMETRY_SHUTDOWN_TIMEOUT_MS = 5_000;
/** Minimum gap between two pull-progress log lines of one pull. */
export const PULL_PROGRESS_LOG_INTERVAL_MS = 2_000;
/** Timeout of a before/after deploy hook. */
export const HOOK_TIMEOUT_MS = 5 * 60_000;
/** Bytes of stdout (and of stderr) kept from one hook; the rest is cut off and counted. */
export const HOOK_OUTPUT_MAX_BYTES = 64 * 1024;
/** After a hook's shell exits, how long its output pipes may stay open (a background child). */
export const HOOK_OUTPUT_GRACE_MS = 1_000;
/** Bound on one notification's Slack API call, and on each wait of an SMTP session. */
export const NOTIFY_TIMEOUT_MS = 15_000;
/** Bound on one non-streaming container engine request (stop adds its own grace time). */
export const ENGINE_REQUEST_TIMEOUT_MS = 30_000;
/** Cap on a registry response body read into memory (tag lists, manifests, tokens): 10 MiB. */
export const REGISTRY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Lifetime of a registry bearer token that gives no `expires_in` (distribution token spec: 60 s). */
export const REGISTRY_TOKEN_TTL_S = 60;
/** A cached registry bearer token is renewed this long before it expires. */
export const REGISTRY_TOKEN_EARLY_RENEW_MS = 5_000;
/** Pause before the deploy manager re-subscribes to engine events after the stream broke. */
export const ENGINE_EVENTS_RETRY_MS = 5_000;
/** Managed containers stopped at the same time at shutdown. */
export const SHUTDOWN_STOP_CONCURRENCY = 4;
/** Deadline of one OTLP export call (`OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT` overrides). */
export const OTLP_EXPORT_TIMEOUT_MS = 10_000;
/**
 * A TCP health probe (no `--health-path`) counts as passed only when the connection is still
 * open this long after connecting: docker-proxy accepts and then closes at once while the app
 * behind it is not listening yet.
 */
export const TCP_PROBE_SETTLE_MS = 200;
/**
 * At start-up, clients that find no backend wait this long (at most) for the adoption of
 * running replicas instead of being closed.
 */
export const STARTUP_HOLD_MS = 15_000;
/** Deploys kept in the history (`GET /api/history`, `dewy container history`). */
export const HISTORY_KEPT = 50;
/** Canary soak (`--canary-soak`, seconds): 0 = off, the rollout goes on at once. */
export const CANARY_SOAK_S = 0;
/** Gap between two health probes of the canary replica during its soak. */
export const CANARY_PROBE_INTERVAL_MS = 2_000;
/** Consecutive failed probes that fail a canary. */
export const CANARY_FAILED_PROBES = 3;
/** Share of the canary's connections that may fail (`--canary-max-failures`, percent). */
export const CANARY_MAX_FAILURES_PERCENT = 1;
/** A canary fails by its failure share only from this many failed connections on. */
export const CANARY_MIN_FAILURES = 5;
/**
 * Bound on one `dewy container pause|resume|rollback|history` request once the admin API was
 * found: a rollback answers when its rolling deploy is done.
 */
export const CONTROL_REQUEST_TIMEOUT_MS = 15 * 60_000;
