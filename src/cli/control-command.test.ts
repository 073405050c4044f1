/** Parsing `dewy container status|pause|resume|rollback|history` and the issue-16 flags. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { parseCommandLine } from "./command.ts";

const env = (vars: Record<string, string> = {}) => (name: string) => vars[name];
const parse = (words: string, vars?: Record<string, string>) =>
  parseCommandLine(words.split(" "), env(vars), { homeDir: "/home/dewy", uid: 1000 });

test("control command: each verb, --reason, a rollback VERSION and --admin-port", () => {
  assert.deepEqual(parse("container status"), {
    kind: "control",
    action: { action: "status" },
    adminPort: 17539,
  });
  assert.deepEqual(parse("container pause --reason incident --admin-port 18000"), {
    kind: "control",
    action: { action: "pause", reason: "incident" },
    adminPort: 18000,
  });
  assert.deepEqual(parse("container rollback v1.2.0 --reason leak"), {
    kind: "control",
    action: { action: "rollback", reason: "leak", version: "v1.2.0" },
    adminPort: 17539,
  });
  assert.deepEqual(parse("container rollback").kind, "control");
  assert.deepEqual(parse("container resume"), {
    kind: "control",
    action: { action: "resume" },
    adminPort: 17539,
  });
  assert.equal(parse("container history").kind, "control");
});

test("control command: a flag or word that does not apply is one line naming it", () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      "container resume --reason x",
      "--reason",
      /--reason does not apply here; usage: dewy container resume/,
    ],
    ["container status --replicas 2", "--replicas", /--replicas does not apply/],
    ["container rollback v1 v2", "v2", /unexpected "v2" after dewy container rollback/],
    ["container pause now", "now", /unexpected "now" after dewy container pause/],
    [
      "container -r img://127.0.0.1:5000/app -p 8080 --reason x",
      "--reason",
      /belongs to dewy container pause or rollback/,
    ],
  ];
  for (const [words, flag, message] of cases) {
    assert.throws(
      () => parse(words),
      (e: unknown) =>
        e instanceof ConfigError && e.flag === flag && message.test(e.message) &&
        !e.message.includes("\n"),
      words,
    );
  }
});

test("container flags: --canary-soak, --canary-max-failures and --state-dir (default $STATE_DIRECTORY)", () => {
  const base = "container -r img://127.0.0.1:5000/app -p 8080";
  const plain = parse(base, { STATE_DIRECTORY: "/var/lib/dewy" });
  assert.equal(plain.kind, "container");
  if (plain.kind !== "container") return;
  assert.deepEqual(plain.config.rollout.canary, { soakMs: 0, maxFailuresPercent: 1 });
  assert.deepEqual(plain.config.state, { path: "/var/lib/dewy", source: "$STATE_DIRECTORY" });
  const set = parse(`${base} --canary-soak 1m --canary-max-failures 0.5 --state-dir /srv/dewy`);
  if (set.kind !== "container") return assert.fail("container");
  assert.deepEqual(set.config.rollout.canary, { soakMs: 60_000, maxFailuresPercent: 0.5 });
  assert.equal(set.config.state.path, "/srv/dewy");
  for (
    const [extra, flag] of [
      ["--canary-max-failures 101", "--canary-max-failures"],
      ["--canary-max-failures x", "--canary-max-failures"],
      ["--canary-soak -1", "--canary-soak"],
      ["--state-dir=", "--state-dir"],
    ]
  ) {
    assert.throws(
      () => parse(`${base} ${extra}`),
      (e: unknown) => e instanceof ConfigError && e.flag === flag,
      extra,
    );
  }
});
