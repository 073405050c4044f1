import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { parseOtlpEndpoint } from "./otlp-endpoint.ts";

test("otlp endpoint: host:port, an IPv6 address in brackets", () => {
  assert.deepEqual(parseOtlpEndpoint(" localhost:4317 "), {
    address: "localhost:4317",
    host: "localhost",
    port: 4317,
    insecure: false,
  });
  assert.equal(parseOtlpEndpoint("otel-collector.internal:4317").host, "otel-collector.internal");
  assert.deepEqual(parseOtlpEndpoint("[::1]:4317", { insecure: true }), {
    address: "[::1]:4317",
    host: "::1",
    port: 4317,
    insecure: true,
  });
});

test("otlp endpoint: a scheme, a missing or bad port is a ConfigError naming the value", () => {
  for (
    const bad of ["localhost", "http://localhost:4317", "localhost:0", "localhost:70000", ":4317"]
  ) {
    assert.throws(
      () => parseOtlpEndpoint(bad),
      (e: unknown) =>
        e instanceof ConfigError && e.flag === "--otlp-endpoint" &&
        e.message.includes(`"${bad}" must be HOST:PORT without a scheme`),
      bad,
    );
  }
  assert.throws(() => parseOtlpEndpoint("a b:1"), ConfigError);
});

test("otlp endpoint: TLS to an IP address is refused, plaintext to one is fine", () => {
  // grpc-js sends the host as the TLS server name, and Bun and Deno refuse an IP there.
  for (const ip of ["127.0.0.1:4317", "[::1]:4317"]) {
    assert.throws(
      () => parseOtlpEndpoint(ip),
      (e: unknown) =>
        e instanceof ConfigError && e.flag === "--otlp-endpoint" &&
        e.message.includes("TLS needs the collector's host name"),
      ip,
    );
    assert.equal(parseOtlpEndpoint(ip, { insecure: true }).insecure, true);
  }
});
