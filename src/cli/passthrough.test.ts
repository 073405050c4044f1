import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePassthrough } from "./mod.ts";
import { FORBIDDEN_LONG, FORBIDDEN_SHORT } from "./passthrough.ts";
import type { RunOptions } from "../engine/types.ts";
import { assertConfigError, noEnv } from "../../test/_cli-assert.ts";

const EMPTY: RunOptions = { env: [], binds: [], extraHosts: [], labels: {} };

function run(...words: string[]): RunOptions {
  return parsePassthrough(words, {
    env: (name) => (name === "HOME_DIR" ? "/home/app" : undefined),
  });
}

function withTempFile<T>(text: string, use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "dewy-passthrough-"));
  try {
    const path = join(dir, "app.env");
    writeFileSync(path, text);
    return use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("passthrough: nothing after -- gives empty options", () => {
  assert.deepEqual(run(), EMPTY);
});

test("passthrough: -e/--env in every form, in order", () => {
  const got = run("-e", "A=1", "--env", "B=2", "--env=C=3", "-eD=4", "-e=E=5", "-e", "F=x=y");
  assert.deepEqual(got.env, ["A=1", "B=2", "C=3", "D=4", "E=5", "F=x=y"]);
});

test("passthrough: -e NAME copies the variable from dewy's environment, or drops it when unset", () => {
  assert.deepEqual(run("-e", "HOME_DIR", "-e", "UNSET_VAR").env, ["HOME_DIR=/home/app"]);
});

test("passthrough: --env-file reads NAME=VALUE lines, skips comments and blanks", () => {
  const text = "# settings\nMODE=prod\n\n  SPACED=a b \nHOME_DIR\nMISSING\r\nURL=http://x?a=b\n";
  const got = withTempFile(text, (path) => run("--env-file", path, "-e", "LAST=1"));
  assert.deepEqual(got.env, [
    "MODE=prod",
    "SPACED=a b ",
    "HOME_DIR=/home/app",
    "URL=http://x?a=b",
    "LAST=1",
  ]);
});

test("passthrough: error: --env-file that cannot be read", () => {
  assertConfigError(
    () => run("--env-file", "/nonexistent/dewy.env"),
    "--env-file",
    `"/nonexistent/dewy.env"`,
    "cannot be read",
  );
});

test("passthrough: error: --env-file line without a variable name", () => {
  withTempFile("A=1\n=oops\n", (path) => {
    assertConfigError(() => run(`--env-file=${path}`), "--env-file", "line 2", `"=***"`);
  });
});

test("passthrough: error: -e without a variable name", () => {
  assertConfigError(() => run("-e", "=x"), "-e", `"=***"`, "NAME=VALUE");
  assertConfigError(() => run("--env", "A B=1"), "--env", `"A B=***"`);
});

test("passthrough: -v/--volume binds with and without a mode", () => {
  const got = run("-v", "/srv/data:/data", "--volume=cache:/cache:ro", "-v/etc/app:/etc/app:ro,z");
  assert.deepEqual(got.binds, ["/srv/data:/data", "cache:/cache:ro", "/etc/app:/etc/app:ro,z"]);
});

test("passthrough: error: volume without a target", () => {
  assertConfigError(() => run("-v", "/data"), "-v", `"/data"`, "SOURCE:TARGET");
});

test("passthrough: error: volume with a relative host path", () => {
  assertConfigError(() => run("-v", "./data:/data"), "-v", `source "./data"`, "absolute host path");
});

test("passthrough: error: volume with a relative target", () => {
  assertConfigError(() => run("--volume", "/srv:data"), "--volume", `target "data"`);
});

test("passthrough: error: volume with an unknown mode", () => {
  assertConfigError(() => run("-v", "/srv:/data:rx"), "-v", `mode "rx"`);
});

test("passthrough: --restart policies", () => {
  assert.deepEqual(run("--restart", "always").restart, { name: "always" });
  assert.deepEqual(run("--restart=unless-stopped").restart, { name: "unless-stopped" });
  assert.deepEqual(run("--restart", "on-failure:3").restart, {
    name: "on-failure",
    maximumRetryCount: 3,
  });
  assert.deepEqual(run("--restart", "no").restart, { name: "no" });
});

test("passthrough: error: unknown --restart policy or retries on a policy without them", () => {
  assertConfigError(
    () => run("--restart", "sometimes"),
    "--restart",
    `"sometimes"`,
    "on-failure[:MAX_RETRIES]",
  );
  assertConfigError(() => run("--restart", "always:3"), "--restart", `"always:3"`);
});

test("passthrough: -m/--memory units", () => {
  assert.equal(run("-m", "512m").memoryBytes, 512 * 2 ** 20);
  assert.equal(run("--memory=1g").memoryBytes, 2 ** 30);
  assert.equal(run("-m1.5G").memoryBytes, 1.5 * 2 ** 30);
  assert.equal(run("--memory", "8192k").memoryBytes, 8 * 2 ** 20);
  assert.equal(run("--memory", "2gb").memoryBytes, 2 * 2 ** 30);
  assert.equal(run("--memory", "10000000").memoryBytes, 10_000_000);
});

test("passthrough: error: memory that is not a size", () => {
  assertConfigError(() => run("-m", "lots"), "-m", `"lots"`, "512m");
});

test("passthrough: error: memory below docker's minimum", () => {
  assertConfigError(() => run("--memory", "4m"), "--memory", `"4m"`, "at least 6m");
});

test("passthrough: --cpus as nano-CPUs", () => {
  assert.equal(run("--cpus", "0.5").nanoCpus, 500_000_000);
  assert.equal(run("--cpus=2").nanoCpus, 2_000_000_000);
});

test("passthrough: error: --cpus of 0 or not a number", () => {
  assertConfigError(() => run("--cpus", "0"), "--cpus", `"0"`, "greater than 0");
  assertConfigError(() => run("--cpus", "half"), "--cpus", `"half"`);
});

test("passthrough: --network and --net", () => {
  assert.equal(run("--network", "backend").network, "backend");
  assert.equal(run("--net=frontend").network, "frontend");
});

test("passthrough: error: host, none and container: networks break the 127.0.0.1 publishing", () => {
  assertConfigError(() => run("--network", "host"), "--network", `"host"`, "127.0.0.1");
  assertConfigError(() => run("--net=none"), "--net", `"none"`);
  assertConfigError(() => run("--network", "container:db"), "--network", `"container:db"`);
});

test("passthrough: --entrypoint is one element, empty resets it", () => {
  assert.deepEqual(run("--entrypoint", "/bin/sh").entrypoint, ["/bin/sh"]);
  assert.deepEqual(run("--entrypoint=").entrypoint, [""]);
});

test("passthrough: -w/--workdir", () => {
  assert.equal(run("-w", "/app").workdir, "/app");
  assert.equal(run("--workdir=/srv").workdir, "/srv");
});

test("passthrough: error: relative workdir", () => {
  assertConfigError(() => run("-w", "app"), "-w", `"app"`, "absolute path");
});

test("passthrough: -u/--user", () => {
  assert.equal(run("-u", "1000:1000").user, "1000:1000");
  assert.equal(run("--user=app").user, "app");
  assert.equal(run("-u0").user, "0");
});

test("passthrough: error: user with spaces", () => {
  assertConfigError(() => run("--user", "app user"), "--user", `"app user"`);
});

test("passthrough: --add-host with IPv4, IPv6 and host-gateway", () => {
  const got = run(
    "--add-host",
    "db:10.0.0.5",
    "--add-host=v6:[::1]",
    "--add-host",
    "gw=host-gateway",
  );
  assert.deepEqual(got.extraHosts, ["db:10.0.0.5", "v6:::1", "gw:host-gateway"]);
});

test("passthrough: error: --add-host without an address", () => {
  assertConfigError(() => run("--add-host", "db"), "--add-host", `"db"`, "HOST:IP");
  assertConfigError(() => run("--add-host", "db:database"), "--add-host", `"db:database"`);
});

test("passthrough: --add-host takes real IPv6 addresses only", () => {
  const good = ["v6:::", "v6:fe80::1", "v6:2001:db8:0:0:0:0:0:1", "v6:[::ffff:10.0.0.5]"];
  assert.deepEqual(run(...good.flatMap((g) => ["--add-host", g])).extraHosts, [
    "v6:::",
    "v6:fe80::1",
    "v6:2001:db8:0:0:0:0:0:1",
    "v6:::ffff:10.0.0.5",
  ]);
  for (
    const value of ["db::", "db:[::1", "db:1::2::3", "db:12345::1", "db:1:2:3:4:5:6:7", "db::::"]
  ) {
    assertConfigError(() => run("--add-host", value), "--add-host", `"${value}"`, "HOST:IP");
  }
});

test("passthrough: error: sizes, CPUs and retry counts beyond what the engine takes", () => {
  assertConfigError(() => run("-m", "99999999999999999999t"), "-m", "larger than any memory");
  assertConfigError(() => run("--cpus", "99999999999"), "--cpus", "more CPUs");
  assertConfigError(
    () => run("--restart", "on-failure:99999999999999999999"),
    "--restart",
    "MAX_RETRIES must be at most",
  );
});

test("passthrough: -l/--label in every form", () => {
  const got = run("-l", "team=web", "--label", "tier", "--label=a.b=c=d", "-lx=1", "-l=y=2");
  assert.deepEqual(got.labels, { team: "web", tier: "", "a.b": "c=d", x: "1", y: "2" });
});

test("passthrough: error: labels with the reserved dewy. prefix, in every form", () => {
  const cases: Array<[string, string[]]> = [
    ["--label", ["--label", "dewy.app=x"]],
    ["--label", ["--label=dewy.managed=true"]],
    ["-l", ["-l", "dewy.x"]],
    ["-l", ["-l=dewy.x=1"]],
    ["-l", ["-ldewy.version=1"]],
    ["-l", ["-l", "DEWY.app=x"]],
  ];
  for (const [option, words] of cases) {
    assertConfigError(() => run(...words), option, "reserved prefix dewy.");
  }
});

test("passthrough: error: label without a key", () => {
  assertConfigError(() => run("-l", "=x"), "-l", "needs a key");
});

test("passthrough: --name base", () => {
  assert.equal(run("--name", "shop").name, "shop");
  assert.equal(run("--name=shop-blue").name, "shop-blue");
});

test("passthrough: error: --name docker refuses", () => {
  assertConfigError(() => run("--name", "my shop"), "--name", `"my shop"`);
});

test("passthrough: the last single-valued option wins", () => {
  const got = run("--name", "a", "--name", "b", "-m", "64m", "-m", "128m");
  assert.equal(got.name, "b");
  assert.equal(got.memoryBytes, 128 * 2 ** 20);
});

for (const name of FORBIDDEN_LONG) {
  test(`passthrough: error: --${name} is forbidden`, () => {
    assertConfigError(
      () => run(`--${name}`),
      `--${name}`,
      `option --${name} conflicts with dewy's management of containers and cannot be used`,
    );
    assertConfigError(
      () => run(`--${name}=x`),
      `--${name}`,
      `option --${name} (in --${name}=x) conflicts`,
    );
  });
}

for (const letter of FORBIDDEN_SHORT) {
  test(`passthrough: error: -${letter} is forbidden`, () => {
    assertConfigError(() => run(`-${letter}`), `-${letter}`, `option -${letter} conflicts`);
  });
}

test("passthrough: error: forbidden short options in clusters and with glued values", () => {
  assertConfigError(() => run("-dit"), "-d", "option -d (in -dit) conflicts");
  assertConfigError(() => run("-it"), "-i", "(in -it)");
  assertConfigError(() => run("-p8080:80"), "-p", "option -p (in -p8080:80) conflicts");
});

test("passthrough: error: a forbidden option after supported ones is still found", () => {
  assertConfigError(
    () => run("-e", "A=1", "--privileged"),
    "--privileged",
    "--privileged conflicts",
  );
});

test("passthrough: error: unsupported long option lists the supported ones", () => {
  assertConfigError(
    () => run("--rm"),
    "--rm",
    "option --rm is not supported after --",
    "supported: -e/--env, --env-file",
    "--name",
  );
});

test("passthrough: error: unsupported option close to a supported one suggests it", () => {
  assertConfigError(() => run("--evn", "A=1"), "--evn", "did you mean --env?");
});

test("passthrough: error: unsupported short option", () => {
  assertConfigError(() => run("-h", "web"), "-h", "option -h is not supported after --");
});

test("passthrough: error: a word that is not an option", () => {
  assertConfigError(() => run("nginx:latest"), "--", `"nginx:latest"`, "--registry", "--cmd");
  assertConfigError(() => run("-e", "A=1", "sh", "-c", "x"), "--", `"sh"`);
});

test("passthrough: error: a second -- or a lone -", () => {
  assertConfigError(() => run("--"), "--", `unexpected "--"`);
  assertConfigError(() => run("-"), "--", `unexpected "-"`);
});

test("passthrough: error: option without its value at the end", () => {
  assertConfigError(() => run("-e"), "-e", "option -e needs a value");
  assertConfigError(
    () => run("-v", "/a:/b", "--volume"),
    "--volume",
    "option --volume needs a value",
  );
});

test("passthrough: uses the given readFile for --env-file", () => {
  const got = parsePassthrough(["--env-file", "virtual.env"], {
    env: noEnv,
    readFile: (path) => `FROM=${path}\n`,
  });
  assert.deepEqual(got.env, ["FROM=virtual.env"]);
});

test("passthrough: error: -p/--publish/-P point at --port PROXY:CONTAINER", () => {
  for (const word of ["-p", "--publish", "-P", "--publish-all"]) {
    assertConfigError(
      () => run(word, "80:80"),
      word,
      `option ${word} conflicts with dewy's management of containers and cannot be used; `,
      "publish through dewy's proxy with --port PROXY:CONTAINER instead",
    );
  }
  assertConfigError(() => run("-p80:80"), "-p", "option -p (in -p80:80)", "--port PROXY:CONTAINER");
});

test("passthrough: error: -d/--detach say dewy always runs containers detached", () => {
  for (const word of ["-d", "--detach"]) {
    assertConfigError(
      () => run(word),
      word,
      `option ${word} conflicts with dewy's management of containers and cannot be used; `,
      "dewy always runs containers detached",
    );
  }
  assertConfigError(
    () => run("-dit"),
    "-d",
    "option -d (in -dit)",
    "always runs containers detached",
  );
});

test("passthrough: error: other reserved options carry no hint", () => {
  const error = assertConfigError(() => run("--privileged"), "--privileged", "cannot be used");
  assert.ok(error.message.endsWith("cannot be used"), error.message);
});
