/** examples/dewy.service against the exit codes of the command line it runs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runCli } from "../_run-cli.ts";

const UNIT = readFileSync(new URL("../../examples/dewy.service", import.meta.url), "utf8");

/** The exit codes listed by the unit's `RestartPreventExitStatus=` lines. */
function noRestartCodes(unit: string): number[] {
  return [...unit.matchAll(/^RestartPreventExitStatus=(.*)$/gm)]
    .flatMap((m) => m[1].trim().split(/\s+/))
    .map(Number);
}

test("systemd unit: a bad command line exits with a code the unit does not restart on", async () => {
  assert.match(UNIT, /^Restart=always$/m);
  const bad = [
    // docker's -v before -- (was: the version printed, exit 0, restarted every 5 s).
    ["container", "-r", "img://127.0.0.1:5999/app", "-p", "8080", "-v", "/data:/data"],
    ["container", "--regsitry", "img://127.0.0.1:5999/app", "-p", "8080"],
  ];
  for (const args of bad) {
    const { code, output } = await runCli(args);
    assert.notEqual(code, 0, output);
    assert.ok(
      noRestartCodes(UNIT).includes(code!),
      `exit ${code} of "dewy ${args.join(" ")}" is not in RestartPreventExitStatus: ${output}`,
    );
    assert.match(output, /^Error: /m);
  }
});
