/**
 * The admin API against web pages, over real HTTP on 127.0.0.1: a cross-site request (it
 * carries `Origin`) and a DNS-rebound one (its `Host` names another site) are refused; local
 * clients (curl, Prometheus, `dewy container list`) are served.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../../test/_runtime.ts";
import { exchange } from "../../test/_net.ts";
import type { DeployStatus } from "../deploy/types.ts";
import { createAdminApp } from "./app.ts";
import { startAdminServer } from "./server.ts";
import type { AdminSource } from "./types.ts";

const STATUS: DeployStatus = {
  app: "guarded",
  currentVersion: "v1.0.0",
  currentDigest: "",
  proxyBackends: 1,
  replicas: 1,
  busy: false,
};

/** Run `fn` against a real admin server whose checks are counted. */
async function withAdmin(fn: (port: number, checks: () => number) => Promise<void>) {
  let checks = 0;
  const source: AdminSource = {
    status: () => STATUS,
    containers: () => Promise.resolve([]),
    checkNow: () => {
      checks++;
      return Promise.resolve({ outcome: "up-to-date" });
    },
  };
  const telemetry = { metricsText: () => Promise.resolve("dewy_up 1\n") };
  const admin = await startAdminServer(runtime, createAdminApp(source, { telemetry }), { port: 0 });
  try {
    await fn(admin.port, () => checks);
  } finally {
    await admin.server.close();
  }
}

/** Send one raw HTTP/1.1 request with exactly these headers; the status code and body. */
async function raw(port: number, method: string, path: string, headers: Record<string, string>) {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  const length = method === "POST" ? "content-length: 0\r\n" : "";
  const { received } = await exchange(
    port,
    `${method} ${path} HTTP/1.1\r\n${lines}${length}connection: close\r\n\r\n`,
  );
  const text = received.toString();
  return { status: Number(text.split(" ")[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

test("admin guard: a cross-site POST /api/deploy (Origin header) is refused and starts no check", async () => {
  await withAdmin(async (port, checks) => {
    const res = await raw(port, "POST", "/api/deploy", {
      host: `127.0.0.1:${port}`,
      origin: "https://evil.example",
    });
    assert.equal(res.status, 403);
    assert.match(res.body, /Origin/);
    assert.equal(checks(), 0);
  });
});

test("admin guard: a DNS-rebound Host is refused on every path, /metrics included", async () => {
  await withAdmin(async (port) => {
    for (const path of ["/api/status", "/api/containers", "/metrics"]) {
      for (
        const host of [`evil.example:${port}`, "evil.example", `127.0.0.1.evil.example:${port}`]
      ) {
        const res = await raw(port, "GET", path, { host });
        assert.equal(res.status, 403, `${path} with Host ${host}`);
        assert.doesNotMatch(res.body, /guarded|dewy_up/, "nothing of the state leaks");
      }
    }
    const wrongPort = await raw(port, "GET", "/api/status", { host: `127.0.0.1:${port + 1}` });
    assert.equal(wrongPort.status, 403, "another port of localhost is another origin");
    const missing = await raw(port, "GET", "/api/status", {});
    assert.equal(missing.status, 400, "HTTP/1.1 without Host");
  });
});

test("admin guard: 127.0.0.1, localhost and [::1] with the admin port are served", async () => {
  await withAdmin(async (port) => {
    for (
      const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]
    ) {
      const res = await raw(port, "GET", "/api/status", { host });
      assert.equal(res.status, 200, host);
      assert.match(res.body, /"name":"guarded"/);
    }
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(scrape.status, 200, "a scraper's request (fetch, no Origin)");
    assert.equal(await scrape.text(), "dewy_up 1\n");
  });
});
