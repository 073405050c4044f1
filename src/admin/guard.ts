/**
 * What keeps web pages away from the admin API. A page can make a browser send a "simple"
 * cross-site POST to 127.0.0.1 (it carries `Origin`), and DNS rebinding lets it read answers
 * under its own host name (the `Host` header names that site). Local clients — curl,
 * Prometheus, `dewy container list` — send neither. The same defence as `kubectl proxy
 * --accept-hosts` and geth `--http.vhosts`.
 *
 * @module
 */

/** Host names a request to the admin API may carry in `Host` (with the admin port). */
const LOCAL_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A 403/400 JSON answer, like the admin API's other errors. */
function refused(status: number, error: string): Response {
  return new Response(JSON.stringify({ error }) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

/**
 * The refusal for `request` to the admin API served on `port`, or `undefined` when it may
 * pass: it must not carry `Origin`, and its `Host` must be `127.0.0.1`, `localhost` or `[::1]`
 * with `port` (no port only when `port` is 80).
 */
export function refuseForeign(request: Request, port: number): Response | undefined {
  if (request.headers.has("origin")) {
    return refused(
      403,
      "requests from web pages (with an Origin header) are refused by dewy's admin API; " +
        "call it from this host with curl or dewy container list",
    );
  }
  const host = request.headers.get("host");
  if (host === null) return refused(400, "a Host header is required");
  const at = /^(.*?)(?::(\d+))?$/.exec(host.toLowerCase())!;
  const hostPort = at[2] === undefined ? 80 : Number(at[2]);
  if (!LOCAL_NAMES.has(at[1]) || hostPort !== port) {
    return refused(
      403,
      `Host "${host.slice(0, 100)}" is refused: dewy's admin API answers only ` +
        `127.0.0.1:${port}, localhost:${port} or [::1]:${port} (DNS rebinding protection)`,
    );
  }
  return undefined;
}
