import { test } from "node:test";
import assert from "node:assert/strict";
import { parseChallenges } from "./challenge.ts";

test("registry auth: bearer challenge with commas inside the quoted scope", () => {
  const header =
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"';
  assert.deepEqual(parseChallenges(header), [{
    scheme: "bearer",
    params: {
      realm: "https://auth.docker.io/token",
      service: "registry.docker.io",
      scope: "repository:samalba/my-app:pull,push",
    },
  }]);
});

test("registry auth: several challenges, spaces, escapes and unquoted values", () => {
  const header =
    'Basic realm="Registry \\"Realm\\"", Bearer  realm = "https://a/t" , error=insufficient_scope';
  assert.deepEqual(parseChallenges(header), [
    { scheme: "basic", params: { realm: 'Registry "Realm"' } },
    { scheme: "bearer", params: { realm: "https://a/t", error: "insufficient_scope" } },
  ]);
});

test("registry auth: empty and odd headers do not loop or throw", () => {
  assert.deepEqual(parseChallenges(""), []);
  assert.deepEqual(parseChallenges("Negotiate abc=="), [{
    scheme: "negotiate",
    params: { abc: "" },
  }]);
  assert.deepEqual(parseChallenges(", ,"), []);
});
