/**
 * Exit-2 lines never print a secret: a notifier URL's `password=`, an `--env-file` line and a
 * `-e` value are shown with their values redacted (`API_KEY=***`), through the real CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containerArgs } from "../../test/_cli-assert.ts";
import { runCli } from "../../test/_run-cli.ts";
import { redactEnvEntry } from "./redact.ts";

const SECRET = "hunter2-s3cret";

/** Run the CLI with `args`; assert exit 2, one line, no secret, and return the line. */
async function usageLine(args: string[]): Promise<string> {
  const run = await runCli(args, {}, 30_000);
  assert.equal(run.code, 2, run.output);
  const line = run.output.trim();
  assert.ok(!line.includes("\n"), `more than one line: ${run.output}`);
  assert.ok(!line.includes(SECRET), `the secret is printed: ${line}`);
  return line;
}

test("redact: an env entry keeps its name and hides its value", () => {
  assert.equal(redactEnvEntry(`API_KEY=${SECRET}`), "API_KEY=***");
  assert.equal(redactEnvEntry(`=${SECRET}`), "=***");
  assert.equal(redactEnvEntry("NAME"), "NAME");
});

test("redact: a bad --notifier URL is printed with password=***", async () => {
  const url = `mail://smtp.example.com/ops@example.com?password=${SECRET}&tls=maybe`;
  const line = await usageLine(containerArgs("--notifier", url));
  assert.match(line, /password=\*\*\*&tls=maybe/);
});

test("redact: a bad -e value is printed as NAME=***", async () => {
  const line = await usageLine(containerArgs("--", "-e", `BAD KEY=${SECRET}`));
  assert.match(line, /"BAD KEY=\*\*\*"/);
});

test("redact: a bad --env-file line is printed as NAME=***", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dewy-redact-"));
  try {
    const path = join(dir, "app.env");
    writeFileSync(path, `GOOD=1\nBAD KEY=${SECRET}\n`);
    const line = await usageLine(containerArgs("--", "--env-file", path));
    assert.match(line, /line 2 "BAD KEY=\*\*\*"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("redact: a NAME=VALUE word after -- without -e is printed as NAME=***", async () => {
  const line = await usageLine(containerArgs("--", `API_KEY=${SECRET}`));
  assert.match(line, /"API_KEY=\*\*\*"/);
});
