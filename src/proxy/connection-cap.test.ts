/**
 * The proxy's connection cap with real sockets, in a child process under `ulimit -n 256`:
 * 300 idle clients used to exhaust the descriptors and log every failed dial (as "connection
 * refused" on Bun). Now the connections beyond the cap are refused at once, counted as
 * `max_connections`, logged at most once a second with a count, and the proxy keeps serving.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as net from "../../test/_node-net.ts";
import process from "node:process";
import { startEchoServer, waitFor } from "../../test/_net.ts";
import { runtimeName } from "../runtime/detect.ts";
import { defaultMaxConnections } from "./connection-cap.ts";

const FD_LIMIT = 256;
const CLIENTS = 300;

/** The proxy child under `ulimit -n FD_LIMIT`; its stdout lines as they come. */
function startChild(backendPort: number): { child: ChildProcess; lines: string[] } {
  const file = new URL("../../test/_proxy-child.ts", import.meta.url).pathname;
  const command = runtimeName === "deno"
    ? [process.execPath, "run", "-A", "--no-check", file]
    : [process.execPath, file];
  const child = spawn("bash", ["-c", `ulimit -n ${FD_LIMIT} && exec "$@"`, "--", ...command], {
    env: { ...process.env, BACKEND_PORT: String(backendPort), NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines: string[] = [];
  let rest = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
  });
  return { child, lines };
}

/** Open a client that sends nothing; resolves once connected, records when the proxy closes it. */
function idleClient(port: number, closed: Set<net.Socket>): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.on("close", () => closed.add(socket));
    socket.on("error", () => {});
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Send one byte through `socket` and wait for the echo (bounded). */
function echoes(socket: net.Socket): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 5_000);
    socket.once("data", () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.write("x");
  });
}

const records = (lines: string[], msg: string) =>
  lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((r) => r.msg === msg);

test("proxy cap: 300 idle clients under ulimit -n 256 are refused beyond the cap, logged once a second", async () => {
  const backend = await startEchoServer();
  const { child, lines } = startChild(backend.port);
  const clients: net.Socket[] = [];
  const closed = new Set<net.Socket>();
  try {
    await waitFor(() => lines.some((l) => l.startsWith("PORT ")), 30_000, "the proxy child");
    const port = Number(lines.find((l) => l.startsWith("PORT "))!.slice(5));
    const cap = defaultMaxConnections(FD_LIMIT);
    for (let i = 0; i < CLIENTS; i++) clients.push(await idleClient(port, closed));
    await waitFor(() => closed.size >= CLIENTS - cap, 10_000, () => `${closed.size} closed`);
    assert.equal(closed.size, CLIENTS - cap, "exactly the clients beyond the cap are closed");
    const held = clients.filter((c) => !closed.has(c));
    assert.ok(await echoes(held[0]), "a connection within the cap is served");
    assert.ok(await echoes(held.at(-1)!), "the last connection within the cap is served");

    // Every refusal is in the log's counts, in far fewer lines than refusals.
    const refusalCount = () =>
      records(lines, "Proxy connection refused: too many connections")
        .reduce((sum, r) => sum + r.count, 0);
    await waitFor(() => refusalCount() === CLIENTS - cap, 5_000, () => `${refusalCount()} logged`);
    const refusalLines = records(lines, "Proxy connection refused: too many connections");
    assert.ok(refusalLines.length <= 3, `${refusalLines.length} lines for ${CLIENTS - cap}`);
    assert.equal(refusalLines[0].max_connections, cap);
    assert.deepEqual(
      records(lines, "Failed to connect to backend"),
      [],
      "descriptors ran out: backend dials failed (logged as 'connection refused' on Bun)",
    );
    child.stdin!.write("errors\n");
    await waitFor(() => lines.some((l) => l.startsWith("ERRORS ")), 5_000, "the error counts");
    const errors = JSON.parse(lines.find((l) => l.startsWith("ERRORS "))!.slice(7));
    assert.deepEqual(errors, { max_connections: CLIENTS - cap });

    // Once the idle clients are gone (the proxy sees their ends), new clients are served again.
    for (const c of held) c.destroy();
    let served = false;
    for (let attempt = 0; attempt < 50 && !served; attempt++) {
      const fresh = await idleClient(port, closed);
      clients.push(fresh);
      served = await Promise.race([
        echoes(fresh),
        new Promise<boolean>((resolve) => fresh.once("close", () => resolve(false))),
      ]);
    }
    assert.ok(served, "no new client was served after the idle ones left");
  } finally {
    for (const c of clients) c.destroy();
    child.stdin!.end("exit\n");
    await new Promise((resolve) =>
      child.exitCode !== null ? resolve(null) : child.once("exit", resolve)
    );
    await backend.close();
  }
});
