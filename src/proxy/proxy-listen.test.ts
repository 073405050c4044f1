/**
 * A proxy port the system refuses: the error names the port and says what to do, from the
 * error's code. The refusal is real: a port below 1024 bound by an unprivileged user (the
 * test drops to `nobody` with `setpriv` when it runs as root).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { runtimeName } from "../runtime/detect.ts";

const src = resolve(import.meta.dirname ?? ".", "..");

/** Why the refusal cannot be shown here, if it cannot: unprivileged users may bind port 81. */
function cannotRefuse(): { skip?: string } {
  try {
    const start = Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8"));
    if (start <= 81) {
      return { skip: `ip_unprivileged_port_start is ${start}: port 81 is not privileged` };
    }
  } catch { /* not Linux, or no such sysctl: privileged ports as usual */ }
  return {};
}

test(
  "proxy: a port below 1024 without the capability names CAP_NET_BIND_SERVICE",
  cannotRefuse(),
  () => {
    const dir = mkdtempSync(join(tmpdir(), "dewy-listen-"));
    chmodSync(dir, 0o777); // nobody reads the script and writes Deno's cache here
    try {
      const script = join(dir, "listen.ts");
      writeFileSync(
        script,
        `import { TcpProxy } from "${src}/proxy/proxy.ts";
import { loadRuntime } from "${src}/runtime/detect.ts";
const runtime = await loadRuntime();
try {
  await new TcpProxy(runtime, { port: 81, hostname: "127.0.0.1" }).start();
  console.log("bound");
} catch (error) {
  console.log(error.message);
}
`,
      );
      const run = runtimeName === "deno" ? [process.execPath, "run", "-A", "--no-check", script] : [
        process.execPath,
        script,
      ];
      const asNobody = process.getuid?.() === 0
        ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        : [];
      const command = [...asNobody, ...run];
      const child = spawnSync(command[0], command.slice(1), {
        encoding: "utf8",
        timeout: 30_000,
        env: { ...process.env, HOME: dir, DENO_DIR: join(dir, "deno") },
      });
      const out = child.stdout.trim();
      assert.match(out, /^Cannot listen on proxy port 81: /, `${out}\n${child.stderr}`);
      assert.match(out, /CAP_NET_BIND_SERVICE/);
      assert.doesNotMatch(out, /another process/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
