/**
 * The structured logger: text lines a logfmt parser can split, JSON lines that are one object
 * each, levels filtered, base attributes carried by child loggers.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Logger, type LoggerOptions } from "./log.ts";

function record(options: LoggerOptions = {}) {
  const lines: string[] = [];
  const logger = new Logger({
    now: () => Date.UTC(2026, 10, 26),
    ...options,
    write: (l) => lines.push(l),
  });
  return { logger, lines };
}

test("log text: plain words stay bare; spaces, quotes, = and control characters are quoted", () => {
  const { logger, lines } = record();
  logger.info("Hook finished", {
    plain: "ok",
    spaced: "two words",
    quoted: 'say "hi"',
    equals: "a=b",
    coloured: "\x1b[32mOK\x1b[0m",
    multiline: "one\ntwo",
    error: new Error("boom"),
    count: 3,
  });
  assert.equal(
    lines[0],
    'time=2026-11-26T00:00:00.000Z level=INFO msg="Hook finished" plain=ok spaced="two words" ' +
      'quoted="say \\"hi\\"" equals="a=b" coloured="\\u001b[32mOK\\u001b[0m" multiline="one\\ntwo" ' +
      "error=boom count=3",
  );
});

test("log json: one object per line, errors by message, levels below the minimum dropped", () => {
  const { logger, lines } = record({ format: "json", level: "warn" });
  logger.info("not printed");
  logger.warn("Drain time over", { container: "app-1-0", error: new Error("x\ny") });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0].includes("\n"));
  assert.deepEqual(JSON.parse(lines[0]), {
    time: "2026-11-26T00:00:00.000Z",
    level: "WARN",
    msg: "Drain time over",
    container: "app-1-0",
    error: "x\ny",
  });
});

test("log: a child logger adds its attributes and keeps level and format", () => {
  const { logger, lines } = record({ format: "json", level: "debug" });
  logger.with({ proxy_port: 8080 }).debug("Accepted", { backend: "127.0.0.1:1" });
  assert.deepEqual(JSON.parse(lines[0]).proxy_port, 8080);
  assert.deepEqual(JSON.parse(lines[0]).backend, "127.0.0.1:1");
});
