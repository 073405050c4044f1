/**
 * The contract every {@link Runtime} adapter keeps, as one test suite: `deno.test.ts`,
 * `bun.test.ts` and `node.test.ts` run it against their adapter (one suite per runtime, as
 * srvx does). Real sockets on 127.0.0.1 and a real unix socket; the peers are `node:net` and
 * `node:http`, which every runtime here provides.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Relay, RelayResult, Runtime, TcpConn } from "./types.ts";

/** A backend on 127.0.0.1 running `onSocket` per connection. */
async function backend(onSocket: (socket: Socket) => void): Promise<Server & { port: number }> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on("error", () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

/** The adapter as a one-backend proxy: every accepted client is relayed to `port`. */
async function relayTo(runtime: Runtime, port: number) {
  const ended: RelayResult[] = [];
  const relays: Relay[] = [];
  const listener = await runtime.listenTcp("127.0.0.1", 0, async (client: TcpConn) => {
    const upstream = await runtime.connectTcp("127.0.0.1", port, 2_000);
    relays.push(runtime.relay(client, upstream, { onEnd: (result) => ended.push(result) }));
  });
  return { listener, ended, relays };
}

/** Connect to `port`, send `payload` then a FIN, and collect everything until the close. */
function exchange(port: number, payload: Uint8Array) {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => socket.end());
    socket.on("close", () => resolve(Buffer.concat(chunks)));
    socket.on("connect", () => socket.end(payload));
  });
}

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7919) % 251);

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Register the contract's tests for the adapter `load` gives, named `name`; all skipped with
 * `skip` as the reason when the adapter cannot run on the runtime executing the tests.
 */
export function runtimeContract(name: string, load: () => Promise<Runtime>, skip?: string): void {
  const it = (title: string, body: (runtime: Runtime) => Promise<void>) =>
    test(`${name} adapter: ${title}`, { skip }, async () => body(await load()));

  it("relay copies 4 MiB both ways, counts them, and ends once after both FINs", async (rt) => {
    const echo = await backend((socket) => socket.pipe(socket));
    const { listener, ended } = await relayTo(rt, echo.port);
    try {
      const payload = bytes(4 * 1024 * 1024);
      const received = await exchange(listener.port, payload);
      assert.ok(received.equals(payload), `echoed ${received.length} of ${payload.length} bytes`);
      await until(() => ended.length > 0, "the relay's end");
      assert.equal(ended.length, 1);
      assert.equal(ended[0].clientToBackend, payload.length);
      assert.equal(ended[0].backendToClient, payload.length);
      assert.equal(ended[0].error, undefined);
    } finally {
      listener.close();
      echo.close();
    }
  });

  it("relay forwards a client's FIN; the backend's answer after it still arrives", async (rt) => {
    const server = await backend((socket) => {
      const got: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => got.push(chunk));
      socket.on("end", () => socket.end(`after FIN: ${Buffer.concat(got)}`));
    });
    const { listener } = await relayTo(rt, server.port);
    try {
      const received = await exchange(listener.port, new TextEncoder().encode("question"));
      assert.equal(received.toString(), "after FIN: question");
    } finally {
      listener.close();
      server.close();
    }
  });

  it("relay holds back a fast backend while the client does not read (backpressure)", async (rt) => {
    const total = 64 * 1024 * 1024;
    const server = await backend((socket) => {
      let sent = 0;
      const chunk = new Uint8Array(64 * 1024).fill(7);
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once("drain", pump);
        }
        socket.end();
      };
      pump();
    });
    const { listener, relays } = await relayTo(rt, server.port);
    try {
      let received = 0;
      let aheadAtResume = -1;
      await new Promise<void>((resolve, reject) => {
        const client = connect({ port: listener.port, host: "127.0.0.1" }).pause();
        client.on("error", reject);
        client.on("data", (chunk: Buffer) => (received += chunk.length));
        client.on("end", () => resolve(void client.destroy()));
        // Long enough for a relay without backpressure to read most of the 64 MiB.
        setTimeout(() => {
          aheadAtResume = relays[0]?.backendToClient ?? 0;
          client.resume();
        }, 500);
      });
      assert.equal(received, total);
      assert.ok(
        aheadAtResume >= 0 && aheadAtResume < 24 * 1024 * 1024,
        `the relay read ${aheadAtResume} bytes for a client that read none`,
      );
    } finally {
      listener.close();
      server.close();
    }
  });

  it("relay ends with the error when the backend resets, and closes the client", async (rt) => {
    const server = await backend((socket) => socket.once("data", () => socket.resetAndDestroy()));
    const { listener, ended } = await relayTo(rt, server.port);
    try {
      const client = connect({ port: listener.port, host: "127.0.0.1" });
      client.on("error", () => {});
      client.write("x");
      await new Promise((resolve) => client.once("close", resolve));
      await until(() => ended.length > 0, "the relay's end");
      assert.equal(ended.length, 1);
      assert.notEqual(ended[0].error, undefined);
    } finally {
      listener.close();
      server.close();
    }
  });

  it("listenTcp rejects on a port in use; connectTcp says refused", async (rt) => {
    const taken = await backend(() => {});
    taken.close();
    const first = await rt.listenTcp("127.0.0.1", 0, (conn) => conn.close());
    try {
      await assert.rejects(rt.listenTcp("127.0.0.1", first.port, () => {}), (error) => {
        const code = (error as { code?: string }).code;
        return code === "EADDRINUSE" || /in use/i.test(String(error));
      });
      await assert.rejects(rt.connectTcp("127.0.0.1", taken.port, 2_000), { kind: "refused" });
    } finally {
      first.close();
    }
  });

  it("unixFetch sends method, headers and body; streams the answer; 204 has none", async (rt) => {
    const path = join(tmpdir(), `dewy-contract-${name}-${process.pid}.sock`);
    let release = () => {};
    const server = createHttpServer((request, response) => {
      // Deno sends the request target in absolute form.
      if (new URL(request.url!, "http://localhost").pathname === "/empty") {
        return void response.writeHead(204).end();
      }
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        response.writeHead(200, { "x-seen": `${request.method} ${request.headers["x-dewy"]}` });
        response.write(`first ${body}\n`);
        release = () => response.end("second\n");
      });
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const fetchUnix = rt.unixFetch(path);
      const response = await fetchUnix("http://localhost/echo?q=1", {
        method: "POST",
        headers: { "x-dewy": "yes" },
        body: '{"a":1}',
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-seen"), "POST yes");
      const reader = response.body!.getReader();
      // The first line arrives while the server still holds the rest back.
      const first = new TextDecoder().decode((await reader.read()).value);
      assert.equal(first, 'first {"a":1}\n');
      release();
      let rest = "";
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        rest += new TextDecoder().decode(r.value);
      }
      assert.equal(rest, "second\n");
      const empty = await fetchUnix("http://localhost/empty");
      assert.equal(empty.status, 204);
      assert.equal(await empty.text(), "");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("serveHttp answers through the handler; close frees the port", async (rt) => {
    const server = await rt.serveHttp({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (request) =>
        new Response(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`, {
          status: 201,
          headers: { "x-dewy": "1" },
        }),
    });
    const url = `http://127.0.0.1:${server.port}/api/x`;
    const response = await fetch(url, { method: "POST", body: "hi" });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("x-dewy"), "1");
    assert.equal(await response.text(), "POST /api/x hi");
    await server.close();
    const again = await rt.listenTcp("127.0.0.1", server.port, () => {});
    again.close();
  });

  it("env sees what setEnv set; onSignal's remover removes the handler", async (rt) => {
    const key = `DEWY_CONTRACT_${name.toUpperCase()}`;
    rt.setEnv(key, "set");
    assert.equal(rt.env(key), "set");
    assert.equal(process.env[key], "set");
    let first = 0, second = 0;
    const removeFirst = rt.onSignal("SIGUSR1", () => first++);
    const removeSecond = rt.onSignal("SIGUSR1", () => second++);
    process.kill(process.pid, "SIGUSR1");
    await until(() => first === 1 && second === 1, "both SIGUSR1 handlers");
    removeFirst();
    process.kill(process.pid, "SIGUSR1");
    await until(() => second === 2, "the remaining SIGUSR1 handler");
    removeSecond();
    assert.equal(first, 1);
  });

  it("hostName and userName are the OS's host and user", async (rt) => {
    assert.equal(rt.hostName(), hostname());
    assert.equal(rt.userName(), userInfo().username);
    await Promise.resolve();
  });
}
