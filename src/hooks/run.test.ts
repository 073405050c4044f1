/**
 * Deploy hooks run through a real `sh`: environment, exit code, captured output, timeout.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type HookResult, hookSucceeded } from "./result.ts";
import { hookRunner, runHook, type RunHookOptions } from "./run.ts";
import { runtime } from "../../test/_runtime.ts";
import { HOOK_OUTPUT_MAX_BYTES } from "./run.ts";
import { recordingLogger } from "../../test/_notify.ts";
import { waitFor } from "../../test/_net.ts";

const context = { app: "web", version: "v1.2.3", image: "127.0.0.1:5000/web:v1.2.3" };

/** Runs a hook with a JSON logger whose records are returned alongside the result. */
async function run(
  command: string,
  extra: Partial<RunHookOptions> = {},
): Promise<{ result: HookResult; logs: Record<string, unknown>[] }> {
  const { logger, records } = recordingLogger();
  const host = { cwd: runtime.cwd(), env: runtime.environment() };
  const result = await runHook({ command, context, logger, ...host, ...extra });
  return { result, logs: records };
}

/** Whether a process is still alive (a zombie counts as dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "dewy-hook-")));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test("hooks: DEWY_APP, DEWY_VERSION, DEWY_IMAGE, inherited env and cwd reach the hook", async () => {
  await withTempDir(async (dir) => {
    const { result, logs } = await run(
      `printf '%s|%s|%s|%s|%s' "$DEWY_APP" "$DEWY_VERSION" "$DEWY_IMAGE" "$HOOK_TEST_VAR" "$(pwd)"`,
      { cwd: dir, env: { ...process.env, HOOK_TEST_VAR: "inherited" } },
    );
    assert.equal(result.stdout, `web|v1.2.3|127.0.0.1:5000/web:v1.2.3|inherited|${dir}`);
    assert.equal(result.exitCode, 0);
    assert.equal(result.timedOut, false);
    assert.ok(hookSucceeded(result));
    const record = logs.find((r) => r.msg === "Execute hook");
    assert.equal(record?.level, "INFO");
    assert.equal(record?.exit_code, 0);
  });
});

test("hooks: hookRunner runs hooks in dewy's working directory with its environment", async () => {
  const { logger } = recordingLogger();
  const host = { cwd: () => runtime.cwd(), environment: () => ({ HOOK_TEST_VAR: "dewy's" }) };
  const result = await hookRunner(host)({
    command: 'printf %s "$HOOK_TEST_VAR|$(pwd)"',
    context,
    logger,
  });
  assert.equal(result.stdout, `dewy's|${realpathSync(process.cwd())}`);
});

test("hooks: a failing hook reports its exit code, trimmed stdout and stderr", async () => {
  const { result, logs } = await run("echo '  out  '; echo oops >&2; exit 3");
  assert.deepEqual(
    {
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      timedOut: result.timedOut,
    },
    { exitCode: 3, stdout: "out", stderr: "oops", timedOut: false },
  );
  assert.equal(hookSucceeded(result), false);
  assert.equal(result.command, "echo '  out  '; echo oops >&2; exit 3");
  assert.ok(result.durationMs >= 0);
  const record = logs.find((r) => r.msg === "Execute hook failed");
  assert.equal(record?.exit_code, 3);
  assert.equal(record?.stderr, "oops");
});

test("hooks: the timeout kills a sleep 30 hook and its children quickly", async () => {
  await withTempDir(async (dir) => {
    const pidFile = join(dir, "pid");
    // 2 s: time for the shell to write the pid file even on a loaded machine.
    const { result, logs } = await run(`sleep 30 & echo $! > ${pidFile}; wait`, {
      timeoutMs: 2_000,
    });
    assert.equal(result.timedOut, true);
    assert.equal(hookSucceeded(result), false);
    assert.notEqual(result.exitCode, 0);
    const childPid = Number(readFileSync(pidFile, "utf8").trim());
    // SIGKILL to the group is asynchronous: give the kernel a moment to finish the child.
    await waitFor(() => !alive(childPid), 1_000, "the hook's child sleep to die with the group");
    assert.equal(logs.find((r) => r.msg === "Execute hook failed")?.timed_out, true);
  });
});

test("hooks: aborting the signal (shutdown) kills a running hook and says so, not a timeout", async () => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 200);
  const { result } = await run("sleep 30", { signal: controller.signal });
  clearTimeout(timer);
  assert.equal(result.timedOut, false);
  assert.notEqual(result.exitCode, 0);
  assert.equal(result.stderr, "killed: dewy is shutting down");
});

test("hooks: output is bounded and the cut is reported", async () => {
  const { result } = await run(`head -c ${HOOK_OUTPUT_MAX_BYTES * 3} /dev/zero | tr '\\0' a`);
  const [kept, note] = result.stdout.split("\n");
  assert.equal(kept.length, HOOK_OUTPUT_MAX_BYTES);
  assert.equal(note, `... (${HOOK_OUTPUT_MAX_BYTES * 2} more bytes truncated)`);
  assert.equal(result.exitCode, 0);
});

test("hooks: a background child holding stdout does not keep the hook waiting", async () => {
  await withTempDir(async (dir) => {
    const pidFile = join(dir, "pid");
    try {
      const { result } = await run(`sleep 20 & echo $! > ${pidFile}; echo started`);
      const pid = Number(readFileSync(pidFile, "utf8").trim());
      // The hook is over once its shell exits: the child is neither waited for nor killed.
      assert.equal(alive(pid), true, "the hook returned only after its background child ended");
      assert.equal(result.stdout, "started");
      assert.equal(result.exitCode, 0);
      assert.equal(result.timedOut, false);
    } finally {
      const pid = Number(readFileSync(pidFile, "utf8").trim());
      if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  });
});

test("hooks: a hook that cannot start reports exit code 1 and the reason", async () => {
  const { result } = await run("true", { cwd: "/nonexistent/dewy-hook-dir" });
  assert.equal(result.exitCode, 1);
  assert.equal(hookSucceeded(result), false);
  assert.match(result.stderr, /cannot run sh: .*(ENOENT|No such file|not found)/i);
});
