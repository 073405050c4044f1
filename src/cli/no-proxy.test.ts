/**
 * `keepLoopbackOffProxies`: the loopback names join whatever the operator had in NO_PROXY or
 * no_proxy, and both variables end up with the same list.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { keepLoopbackOffProxies } from "./no-proxy.ts";

function fakeEnv(initial: Record<string, string>) {
  const env = new Map(Object.entries(initial));
  return {
    env,
    runtime: {
      env: (name: string) => env.get(name),
      setEnv: (name: string, value: string) => void env.set(name, value),
    },
  };
}

test("no-proxy: the operator's entries stay, loopback is added to both variables", () => {
  const { env, runtime } = fakeEnv({ no_proxy: "corp.local, .internal", NO_PROXY: "10.0.0.0/8" });
  keepLoopbackOffProxies(runtime);
  const expected = "10.0.0.0/8,corp.local,.internal,127.0.0.1,localhost,::1";
  assert.equal(env.get("NO_PROXY"), expected);
  assert.equal(env.get("no_proxy"), expected);
});

test("no-proxy: nothing set gives the loopback names, already present ones are not repeated", () => {
  const { env, runtime } = fakeEnv({ NO_PROXY: "localhost" });
  keepLoopbackOffProxies(runtime);
  assert.equal(env.get("NO_PROXY"), "localhost,127.0.0.1,::1");
});
