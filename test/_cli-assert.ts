/**
 * Shared assertions of the command-line tests (`cli*.test.ts`, `passthrough*.test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { ConfigError } from "../src/errors.ts";

export { noEnv } from "./_env.ts";

/** The registry URL the command-line tests deploy from. */
export const REGISTRY = "img://127.0.0.1:5000/acme/app";

/** `container -r REGISTRY -p 8080` followed by `extra`. */
export function containerArgs(...extra: string[]): string[] {
  return ["container", "-r", REGISTRY, "-p", "8080", ...extra];
}

/**
 * Assert that `run` throws a `ConfigError` for `flag` whose one-line message contains every
 * string of `mentions`; returns the error for further checks.
 */
export function assertConfigError(
  run: () => unknown,
  flag: string,
  ...mentions: string[]
): ConfigError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${caught}`);
  assert.equal(caught.flag, flag, `flag of "${caught.message}"`);
  assert.ok(!caught.message.includes("\n"), `message is not one line: ${caught.message}`);
  for (const text of mentions) {
    assert.ok(
      caught.message.includes(text),
      `message "${caught.message}" does not mention "${text}"`,
    );
  }
  return caught;
}
