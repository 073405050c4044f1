/**
 * `createNotifier`: no URL gives the null notifier; missing settings fail at start-up with a
 * ConfigError naming what is missing.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { silentLogger } from "../log.ts";
import { createNotifier } from "./factory.ts";
import { resolveNotifier } from "./url.ts";
import { ErrorLimitingNotifier, nullNotifier } from "./limiter.ts";

function create(url: string, env: Record<string, string> = {}) {
  const envGet = (name: string) => env[name];
  const spec = url === "" ? null : resolveNotifier(url, envGet);
  return createNotifier(spec, {
    env: envGet,
    logger: silentLogger,
    version: "0.1.0",
    hostname: "web-1",
    userName: "deployer",
    workingDir: "/",
  });
}

/** Asserts `fn` throws a one-line ConfigError for `--notifier` whose message matches `pattern`. */
function assertConfigError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.equal(error.flag, "--notifier");
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"), "one line");
    return true;
  });
}

test("notify factory: no --notifier gives the null notifier, which never fails", async () => {
  const notifier = create("");
  assert.equal(notifier, nullNotifier);
  await notifier.send("x");
  await notifier.sendImportant("x");
  await notifier.sendError(new Error("x"));
  notifier.resetErrors();
  await notifier.hookResult("Before Deploy", {
    command: "true",
    exitCode: 0,
    stdout: "",
    stderr: "",
    durationMs: 1,
    timedOut: false,
  });
});

test("notify factory: slack without SLACK_TOKEN is a ConfigError at start-up", () => {
  assertConfigError(() => create("slack://deploys"), /SLACK_TOKEN/);
  assert.ok(create("slack://deploys", { SLACK_TOKEN: "xoxb-1" }) instanceof ErrorLimitingNotifier);
});

test("notify factory: mail without a sender is a ConfigError naming it", () => {
  assertConfigError(() => create("mail://smtp.example.com/ops@example.com"), /sender|MAIL_FROM/);
});

test("notify factory: a mail user without a password is a ConfigError naming the user", () => {
  assertConfigError(
    () => create("smtp://smtp.example.com/ops@example.com", { MAIL_USERNAME: "bot@example.com" }),
    /bot@example\.com.*password|MAIL_PASSWORD/,
  );
  const ok = create("smtp://smtp.example.com/ops@example.com", {
    MAIL_USERNAME: "bot@example.com",
    MAIL_PASSWORD: "pw",
  });
  assert.ok(ok instanceof ErrorLimitingNotifier);
});

test("notify factory: an unsupported scheme is a ConfigError", () => {
  assertConfigError(() => create("discord://deploys"), /discord/);
});
