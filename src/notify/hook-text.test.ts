/**
 * Notification texts: the exact container-mode messages, durations and output truncation.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatDuration,
  hookResultText,
  NOTIFIED_OUTPUT_MAX_CHARS,
  truncateOutput,
} from "./hook-text.ts";
import {
  deployedMessage,
  errorCountMessage,
  pulledMessage,
  RESTARTED_MESSAGE,
  startedMessage,
  stoppedMessage,
} from "./messages.ts";

test("notify text: the container-mode messages use the original's words", () => {
  assert.equal(startedMessage("1.4.0"), "Automatic shipping started by *Dewy* (v1.4.0: container)");
  assert.equal(pulledMessage("v2.0.1"), "Pulled image for `v2.0.1`");
  assert.equal(
    deployedMessage({ started: 3, total: 3, tag: "v2.0.1" }),
    "Container deployed successfully: `3/3` replicas of `v2.0.1`",
  );
  assert.equal(
    deployedMessage({ started: 1, total: 0, tag: "v1" }),
    "Container deployed successfully: `1/1` replicas of `v1`",
  );
  assert.equal(RESTARTED_MESSAGE, "Restarted receiving by `SIGUSR1` signal");
  assert.deepEqual(
    (["SIGINT", "SIGTERM", "SIGQUIT"] as const).map(stoppedMessage),
    [
      "Stop receiving by `interrupt` signal",
      "Stop receiving by `terminated` signal",
      "Stop receiving by `quit` signal",
    ],
  );
  assert.equal(errorCountMessage(2, "x"), "Error occurred (count: 2): x");
  assert.equal(
    errorCountMessage(3, "x"),
    "⚠️ No more error notifications will be sent until errors are resolved.\n\nError occurred (count: 3): x",
  );
});

test("notify text: durations print like Go's", () => {
  assert.deepEqual([0, 850, 1000, 1250, 61_500].map(formatDuration), [
    "0ms",
    "850ms",
    "1s",
    "1.25s",
    "61.5s",
  ]);
});

test("notify text: long output is cut at a line break below the character limit", () => {
  // Each line takes 100 characters with its break.
  const lines = Array.from({ length: 40 }, (_, i) => `${i}`.padEnd(99, "x"));
  const output = lines.join("\n");
  const cut = truncateOutput(output);
  assert.ok(cut.length <= NOTIFIED_OUTPUT_MAX_CHARS, `${cut.length} chars`);
  const [kept, note] = [cut.slice(0, cut.lastIndexOf("\n")), cut.slice(cut.lastIndexOf("\n") + 1)];
  // As many whole lines as the limit holds, less one line's room for the note.
  const fitting = NOTIFIED_OUTPUT_MAX_CHARS / 100 - 1;
  assert.equal(kept, lines.slice(0, fitting).join("\n"));
  assert.equal(note, `... (${output.length - kept.length} more characters truncated)`);
  assert.equal(truncateOutput("short"), "short");
});

test("notify text: a hook result as plain text names the timeout", () => {
  const text = hookResultText("After Deploy", {
    command: "sleep 999",
    exitCode: 1,
    stdout: "",
    stderr: "",
    durationMs: 300_000,
    timedOut: true,
  });
  assert.equal(
    text,
    "After Deploy Hook FAILED (timed out)\n\nCommand: sleep 999\n\nExit Code: 1\n\nDuration: 300s",
  );
});
