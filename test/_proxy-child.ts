/**
 * A TcpProxy alone in a child process, for tests that must run it under a low `ulimit -n`:
 * `BACKEND_PORT` is the echo backend, `MAX_CONNECTIONS` the cap (absent: the proxy's default
 * from the descriptor limit). Prints `PORT <n>` once listening, then its log lines (JSON) and,
 * on each line `errors` read from stdin, a `ERRORS <json>` line of the observer's error counts.
 *
 * @module
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { runtime } from "./_runtime.ts";
import { Backend } from "../src/proxy/backend.ts";
import { ConnectionLimit } from "../src/proxy/connection-limit.ts";
import { type ProxyErrorKind, TcpProxy } from "../src/proxy/proxy.ts";
import { Logger } from "../src/log.ts";

const errors: Record<string, number> = {};
const observer = {
  connectionOpened() {},
  connectionClosed() {},
  backendConnected() {},
  backendsChanged() {},
  error(_port: number, kind: ProxyErrorKind) {
    errors[kind] = (errors[kind] ?? 0) + 1;
  },
};
const cap = process.env.MAX_CONNECTIONS;
const proxy = new TcpProxy(runtime, {
  port: 0,
  hostname: "127.0.0.1",
  idleTimeoutMs: 0,
  observer,
  logger: new Logger({ level: "debug", format: "json", write: (line) => console.log(line) }),
  ...(cap ? { connectionLimit: new ConnectionLimit(Number(cap)) } : {}),
});
proxy.pool.add(new Backend("127.0.0.1", Number(process.env.BACKEND_PORT)));
await proxy.start();
console.log(`PORT ${proxy.port}`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "errors") console.log(`ERRORS ${JSON.stringify(errors)}`);
  if (line === "exit") break;
}
proxy.close();
runtime.exit(0);
