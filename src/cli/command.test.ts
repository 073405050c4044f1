import { test } from "node:test";
import assert from "node:assert/strict";
import { type Command, parseCommandLine } from "./mod.ts";
import { FLAGS } from "./flags.ts";
import type { ContainerConfig } from "../config.ts";
import { parseImageUrl } from "../registry/url.ts";
import { parseOtlpEndpoint } from "../telemetry/otlp-endpoint.ts";
import { HOME_DIR, testConfig } from "../../test/_config.ts";
import { assertConfigError, containerArgs, noEnv, REGISTRY } from "../../test/_cli-assert.ts";

function parse(...args: string[]): Command {
  return parseCommandLine(args, noEnv, { homeDir: HOME_DIR, uid: 1000 });
}

function config(...args: string[]): ContainerConfig {
  const command = parse(...args);
  assert.equal(command.kind, "container");
  return (command as Extract<Command, { kind: "container" }>).config;
}

/** What `dewy container -r REGISTRY -p 8080` gives: every default of the flag table. */
const DEFAULTS = testConfig({
  image: parseImageUrl(REGISTRY),
  ports: [{ proxyPort: 8080, containerPort: 0 }],
  rollout: { replicas: 1, healthPath: "", healthTimeoutMs: 30_000, drainMs: 30_000 },
  poll: { intervalMs: 10_000 },
  proxy: { idleTimeoutMs: 300_000, retryWindowMs: 2_000 },
  log: { level: "info" },
});

test("cli: container with only --registry and --port gets every default", () => {
  assert.deepEqual(config(...containerArgs()), DEFAULTS);
});

test("cli: every container flag in its long form lands in the config", () => {
  const got = config(
    "container",
    "--registry",
    "img://127.0.0.1:5000/acme/app?pre-release=true",
    "--port",
    "8080:80",
    "--port",
    "9090",
    "--name",
    "shop",
    "--replicas",
    "3",
    "--cmd",
    "serve",
    "--cmd=--verbose=true",
    "--health-path",
    "/health",
    "--health-timeout",
    "45",
    "--drain-time",
    "0",
    "--runtime",
    "podman",
    "--max-connections",
    "500",
    "--proxy-idle-timeout",
    "0",
    "--proxy-retry-window",
    "500ms",
    "--admin-port",
    "18000",
    "--interval",
    "5",
    "--calver",
    "YYYY.0M.MICRO",
    "--before-deploy-hook",
    "echo before",
    "--after-deploy-hook",
    "echo after",
    "--log-level",
    "debug",
    "--log-format",
    "json",
    "--telemetry",
    "--otlp-endpoint",
    "localhost:4317",
    "--otlp-insecure",
    "--canary-soak",
    "30",
    "--canary-max-failures",
    "2.5",
    "--state-dir",
    "/srv/dewy-state",
  );
  assert.deepEqual(got, {
    ...DEFAULTS,
    app: "shop",
    image: parseImageUrl("img://127.0.0.1:5000/acme/app?pre-release=true", {
      calver: "YYYY.0M.MICRO",
    }),
    engine: { kind: "podman", socketPath: "/run/user/1000/podman/podman.sock" },
    ports: [{ proxyPort: 8080, containerPort: 80 }, { proxyPort: 9090, containerPort: 0 }],
    cmd: ["serve", "--verbose=true"],
    rollout: {
      replicas: 3,
      healthPath: "/health",
      healthTimeoutMs: 45_000,
      drainMs: 0,
      canary: { soakMs: 30_000, maxFailuresPercent: 2.5 },
    },
    poll: { intervalMs: 5_000 },
    hooks: { beforeDeploy: "echo before", afterDeploy: "echo after" },
    proxy: { idleTimeoutMs: 0, retryWindowMs: 500, maxConnections: 500 },
    admin: { port: 18000 },
    log: { level: "debug", format: "json" },
    telemetry: { otlp: parseOtlpEndpoint("localhost:4317", { insecure: true }) },
    state: { path: "/srv/dewy-state", source: "--state-dir" },
  });
  assert.equal(got.image.calver, "YYYY.0M.MICRO");
});

test("cli: short forms -r -p -n -i -l -f", () => {
  const got = config(
    "container",
    "-r",
    REGISTRY,
    "-p",
    "80:8080",
    "-n",
    "web",
    "-i",
    "20",
    "-l",
    "warn",
    "-f",
    "json",
  );
  assert.deepEqual(got.ports, [{ proxyPort: 80, containerPort: 8080 }]);
  assert.equal(got.app, "web");
  assert.equal(got.poll.intervalMs, 20_000);
  assert.deepEqual(got.log, { level: "warn", format: "json" });
});

test("cli: --flag=value, -pVALUE and -p=VALUE forms", () => {
  const got = config(
    "container",
    `--registry=${REGISTRY}`,
    "-p8080",
    "-p=9090:90",
    "--replicas=2",
    "--cmd=--port=1",
  );
  assert.equal(got.image.url, REGISTRY);
  assert.deepEqual(got.ports, [{ proxyPort: 8080, containerPort: 0 }, {
    proxyPort: 9090,
    containerPort: 90,
  }]);
  assert.equal(got.rollout.replicas, 2);
  assert.deepEqual(got.cmd, ["--port=1"]);
});

test("cli: --port and --cmd accumulate (other flags given twice: src/cli/read-flags.test.ts)", () => {
  const got = config(
    ...containerArgs("-p", "8081", "--cmd", "a", "--cmd", "b", "--replicas", "4", "-n", "y"),
  );
  assert.deepEqual(got.ports.map((p) => p.proxyPort), [8080, 8081]);
  assert.deepEqual(got.cmd, ["a", "b"]);
  assert.equal(got.rollout.replicas, 4);
  assert.equal(got.app, "y");
});

test("cli: flags may come before and after the container word", () => {
  const got = config("-p", "8080", "container", "--replicas", "2", "-r", REGISTRY);
  assert.equal(got.rollout.replicas, 2);
  assert.equal(got.image.url, REGISTRY);
});

test("cli: second-valued flags take whole seconds or Go-style durations", () => {
  const got = config(
    ...containerArgs(
      "--interval",
      "1m30s",
      "--health-timeout",
      "2m",
      "--drain-time",
      "45s",
      "--proxy-idle-timeout",
      "1h",
    ),
  );
  assert.equal(got.poll.intervalMs, 90_000);
  assert.equal(got.rollout.healthTimeoutMs, 120_000);
  assert.equal(got.rollout.drainMs, 45_000);
  assert.equal(got.proxy.idleTimeoutMs, 3_600_000);
});

test("cli: --log-level, --log-format and --runtime are case-insensitive", () => {
  const got = config(
    ...containerArgs("--log-level", "DEBUG", "--log-format", "JSON", "--runtime", "Podman"),
  );
  assert.deepEqual(got.log, { level: "debug", format: "json" });
  assert.equal(got.engine.kind, "podman");
});

test("cli: --otlp-endpoint implies telemetry", () => {
  const got = config(...containerArgs("--otlp-endpoint", "[::1]:4317", "--otlp-insecure"));
  assert.deepEqual(got.telemetry, {
    otlp: { address: "[::1]:4317", host: "::1", port: 4317, insecure: true },
  });
});

test("cli: the app name defaults to the last repository segment", () => {
  assert.equal(
    config("container", "-r", "img://ghcr.io/acme/tools/api?pre-release=true", "-p", "8080").app,
    "api",
  );
  assert.equal(config("container", "-r", "img://nginx", "-p", "8080").app, "nginx");
});

test("cli: a calver= in the registry URL is the config's calver", () => {
  assert.equal(
    config("container", "-r", `${REGISTRY}?calver=YYYY.MM.DD`, "-p", "8080").image.calver,
    "YYYY.MM.DD",
  );
});

test("cli: a slack notifier with SLACK_TOKEN set is accepted", () => {
  const env = (name: string) => (name === "SLACK_TOKEN" ? "xoxb-test" : undefined);
  const command = parseCommandLine(containerArgs("--notifier", "slack://deploys?quiet=true"), env, {
    homeDir: HOME_DIR,
    uid: 1000,
  });
  assert.deepEqual(command.kind === "container" && command.config.notifier, {
    kind: "slack",
    channel: "deploys",
    title: undefined,
    url: undefined,
    quiet: true,
    thread: false,
    token: "xoxb-test",
  });
});

test("cli: words after -- become run options", () => {
  const got = config(
    ...containerArgs("--", "-e", "MODE=prod", "--memory=1g", "--label", "team=web"),
  );
  assert.deepEqual(got.run, {
    env: ["MODE=prod"],
    binds: [],
    extraHosts: [],
    labels: { team: "web" },
    memoryBytes: 2 ** 30,
  });
});

test("cli: a lone -- gives empty run options", () => {
  assert.deepEqual(config(...containerArgs("--")).run, DEFAULTS.run);
});

test("cli: --help, -h and container --help print the help", () => {
  for (
    const args of [["--help"], ["-h"], ["container", "--help"], ["container", "list", "-h"], [
      "container",
      "-r",
      "x",
      "--help",
    ]]
  ) {
    const command = parse(...args);
    assert.equal(command.kind, "help", args.join(" "));
  }
});

test("cli: help text lists every flag, its short form and the defaults", () => {
  const command = parse("--help");
  assert.ok(command.kind === "help");
  for (const flag of FLAGS) {
    assert.ok(command.text.includes(`--${flag.name}`), `help lacks --${flag.name}`);
    if (flag.short) {
      assert.ok(
        command.text.includes(`-${flag.short}, --${flag.name}`),
        `help lacks -${flag.short}`,
      );
    }
  }
  for (
    const text of [
      "(default: 17539)",
      "(default: 300)",
      "(default: 30)",
      "(default: 10)",
      "(default: 1)",
      "(default: info)",
      "dewy container list",
      "--privileged",
      "--env-file",
      "SLACK_TOKEN",
    ]
  ) {
    assert.ok(command.text.includes(text), `help lacks ${text}`);
  }
  assert.ok(
    command.text.split("\n").every((line) => line.length <= 100),
    "help lines fit 100 columns",
  );
});

test("cli: help says where registry credentials come from and what is not read", () => {
  const command = parse("--help");
  assert.ok(command.kind === "help");
  const text = command.text.replace(/\s+/g, " ");
  for (
    const words of [
      "$DOCKER_CONFIG/config.json (default: ~/.docker/config.json)",
      "Credential helpers (credsStore, credHelpers) are not run",
      "DOCKER_CONFIG directory of the docker config.json",
      "AWS_ECR_PASSWORD, GCR_TOKEN not read",
    ]
  ) {
    assert.ok(text.includes(words), `help lacks "${words}"`);
  }
});

test("cli: help gives the TLS rule of --otlp-endpoint (a host name, or an IP with --otlp-insecure)", () => {
  const command = parse("--help");
  assert.ok(command.kind === "help");
  const text = command.text.replace(/\s+/g, " ");
  assert.ok(
    text.includes(
      "TLS unless --otlp-insecure, so HOST is the name in the collector's certificate, not an IP",
    ),
    "help of --otlp-endpoint lacks the TLS rule",
  );
  assert.ok(text.includes("instead of TLS (needed for an IP address)"), "help of --otlp-insecure");
});

test("cli: --version and -v alone ask for the version", () => {
  assert.deepEqual(parse("--version"), { kind: "version" });
  assert.deepEqual(parse("-v"), { kind: "version" });
});

test("cli: error: docker's -v before -- is not taken for --version", () => {
  for (
    const args of [
      containerArgs("-v", "/data:/data"),
      containerArgs("-v"),
      ["container", "-v"],
      ["-v", "--", "-v", "/data:/data"],
    ]
  ) {
    assertConfigError(
      () => parse(...args),
      "-v",
      "-v is --version and takes no other arguments (run dewy -v alone)",
      "docker's -v/--volume goes after --",
    );
  }
  assertConfigError(
    () => parse("container", "list", "--version"),
    "--version",
    "run dewy --version alone",
  );
});

test("cli: container list uses the default admin port or --admin-port", () => {
  assert.deepEqual(parse("container", "list"), { kind: "list", adminPort: 17539 });
  assert.deepEqual(parse("container", "list", "--admin-port", "18000"), {
    kind: "list",
    adminPort: 18000,
  });
  assert.deepEqual(parse("--admin-port=18001", "container", "list"), {
    kind: "list",
    adminPort: 18001,
  });
});

test("cli: container list needs no --registry or --port", () => {
  assert.equal(parse("container", "list").kind, "list");
});

test("cli: error: unknown long flag suggests the closest one", () => {
  assertConfigError(
    () => parse(...containerArgs("--regsitry", "x")),
    "--regsitry",
    "unknown flag --regsitry",
    "did you mean --registry?",
  );
  assertConfigError(
    () => parse(...containerArgs("--health-timout", "3")),
    "--health-timout",
    "did you mean --health-timeout?",
  );
});

test("cli: error: unknown long flag without a close match points to --help", () => {
  assertConfigError(
    () => parse(...containerArgs("--zzzzzzzz")),
    "--zzzzzzzz",
    "unknown flag --zzzzzzzz",
    "dewy --help",
  );
});

test("cli: error: names of built-in object properties are plain unknown flags", () => {
  for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__"]) {
    assertConfigError(() => parse(...containerArgs(`--${name}`)), `--${name}`, "unknown flag");
  }
});

test("cli: error: a flag of the original Dewy that container mode does not have says why", () => {
  assertConfigError(
    () => parse(...containerArgs("--slot", "blue")),
    "--slot",
    "flag --slot is not supported",
    "remove it",
  );
});

test("cli: error: unknown short flag", () => {
  assertConfigError(() => parse(...containerArgs("-x")), "-x", "unknown flag -x");
});

test("cli: error: unknown short flag inside a cluster names the cluster", () => {
  assertConfigError(() => parse(...containerArgs("-hx")), "-x", "unknown flag -x (in -hx)");
});

test("cli: error: flag without a value at the end", () => {
  assertConfigError(
    () => parse("container", "-p", "8080", "--registry"),
    "--registry",
    "flag --registry needs a value",
    "--registry URL",
  );
});

test("cli: error: flag followed by another flag instead of its value", () => {
  assertConfigError(
    () => parse("container", "--registry", "--port", "8080"),
    "--registry",
    "followed by --port",
    "--registry=--port",
  );
});

test("cli: error: switch given a value", () => {
  assertConfigError(
    () => parse(...containerArgs("--telemetry=false")),
    "--telemetry",
    "--telemetry",
    "takes no value",
    "false",
  );
});

test("cli: error: no command", () => {
  assertConfigError(() => parse(), "command", "no command given", "dewy container");
  assertConfigError(() => parse("-p", "8080"), "command", "no command given");
});

test("cli: error: unknown command", () => {
  assertConfigError(() => parse("server", "-p", "8080"), "server", `unknown command "server"`);
});

test("cli: error: extra word after container", () => {
  assertConfigError(
    () => parse(...containerArgs("nginx")),
    "nginx",
    `unexpected "nginx"`,
    "after --",
    "--cmd",
  );
});

test("cli: error: container list with a flag other than --admin-port", () => {
  assertConfigError(
    () => parse("container", "list", "--registry", REGISTRY),
    "--registry",
    "--registry does not apply to dewy container list",
  );
});

test("cli: error: container list with an extra word", () => {
  assertConfigError(
    () => parse("container", "list", "all"),
    "all",
    `unexpected "all"`,
    "--admin-port",
  );
});

test("cli: error: container list with -- options", () => {
  assertConfigError(() => parse("container", "list", "--", "-e", "A=B"), "--", `unexpected "--"`);
});

test("cli: error: container list with a bad --admin-port", () => {
  assertConfigError(
    () => parse("container", "list", "--admin-port", "http"),
    "--admin-port",
    `"http"`,
  );
});
