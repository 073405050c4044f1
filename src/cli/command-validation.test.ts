import { test } from "node:test";
import assert from "node:assert/strict";
import { HOME_DIR } from "../../test/_config.ts";
import { parseCommandLine } from "./mod.ts";
import { assertConfigError, containerArgs, noEnv, REGISTRY } from "../../test/_cli-assert.ts";

const parse = (...args: string[]) =>
  parseCommandLine(args, noEnv, { homeDir: HOME_DIR, uid: 1000 });
const withFlags = (...extra: string[]) => () => parse(...containerArgs(...extra));

test("cli validation: missing --registry", () => {
  assertConfigError(
    () => parse("container", "-p", "8080"),
    "--registry",
    "missing --registry",
    "img://",
  );
});

test("cli validation: empty --registry= counts as missing", () => {
  assertConfigError(
    () => parse("container", "--registry=", "-p", "8080"),
    "--registry",
    "missing --registry",
  );
});

test("cli validation: a registry URL that is not img:// is rejected by the registry parser", () => {
  assertConfigError(
    () => parse("container", "-r", "https://ghcr.io/acme/app", "-p", "8080"),
    "--registry",
    "https://ghcr.io/acme/app",
  );
});

test("cli validation: a registry URL with an unknown parameter", () => {
  assertConfigError(
    () => parse("container", "-r", `${REGISTRY}?channel=x`, "-p", "8080"),
    "--registry",
    "channel",
  );
});

test("cli validation: missing --port", () => {
  assertConfigError(
    () => parse("container", "-r", REGISTRY),
    "--port",
    "missing --port",
    "--port 8080:80",
  );
});

test("cli validation: empty --port value", () => {
  assertConfigError(withFlags("--port="), "--port", "--port is empty");
});

test("cli validation: proxy port out of range", () => {
  assertConfigError(withFlags("-p", "70000"), "--port", `"70000"`, "proxy port", "1-65535");
  assertConfigError(withFlags("-p", "0"), "--port", `proxy port "0"`, "1-65535");
});

test("cli validation: proxy port that is not a number", () => {
  assertConfigError(withFlags("-p", "http"), "--port", `proxy port "http"`);
});

test("cli validation: container port out of range", () => {
  assertConfigError(withFlags("-p", "9090:0"), "--port", `"9090:0"`, `container port "0"`);
  assertConfigError(withFlags("-p", "9090:65536"), "--port", `container port "65536"`);
});

test("cli validation: port ranges and lists are rejected", () => {
  assertConfigError(
    withFlags("-p", "8000-8005"),
    "--port",
    `"8000-8005"`,
    "ranges and lists",
    "repeat --port",
  );
  assertConfigError(withFlags("-p", "80,81"), "--port", `"80,81"`, "ranges and lists");
  assertConfigError(withFlags("-p", "-1"), "--port", `"-1"`, "must be a number 1-65535");
});

test("cli validation: port with more than one colon", () => {
  assertConfigError(
    withFlags("-p", "127.0.0.1:9090:80"),
    "--port",
    `"127.0.0.1:9090:80"`,
    `too many ":"`,
  );
});

test("cli validation: duplicate proxy port", () => {
  assertConfigError(withFlags("-p", "8080:81"), "--port", "proxy port 8080 is given twice");
});

test("cli validation: app name with characters docker refuses", () => {
  assertConfigError(withFlags("--name", "my app"), "--name", `--name "my app"`);
  assertConfigError(withFlags("--name=_x"), "--name", `"_x"`);
});

test("cli validation: --replicas below 1", () => {
  assertConfigError(withFlags("--replicas", "0"), "--replicas", "--replicas must be 1-1000", `"0"`);
  assertConfigError(withFlags("--replicas", "-2"), "--replicas", `"-2"`);
});

test("cli validation: --replicas above the maximum", () => {
  assertConfigError(withFlags("--replicas", "5000"), "--replicas", "1-1000", `"5000"`);
});

test("cli validation: --replicas that is not a whole number", () => {
  assertConfigError(withFlags("--replicas", "two"), "--replicas", "whole number", `"two"`);
  assertConfigError(withFlags("--replicas", "1.5"), "--replicas", `"1.5"`);
});

test("cli validation: --health-path without a leading slash", () => {
  assertConfigError(
    withFlags("--health-path", "health"),
    "--health-path",
    `"health"`,
    "must start with /",
  );
});

test("cli validation: --health-timeout of 0", () => {
  assertConfigError(
    withFlags("--health-timeout", "0"),
    "--health-timeout",
    "--health-timeout must be 1-",
    "seconds",
    `"0"`,
  );
});

test("cli validation: --health-timeout that is not a number", () => {
  assertConfigError(withFlags("--health-timeout", "soon"), "--health-timeout", `"soon"`, "1h30m");
});

test("cli validation: negative --drain-time", () => {
  assertConfigError(
    withFlags("--drain-time=-1"),
    "--drain-time",
    "--drain-time must be 0-",
    `"-1"`,
  );
});

test("cli validation: unknown --runtime", () => {
  assertConfigError(
    withFlags("--runtime", "containerd"),
    "--runtime",
    "docker, podman",
    `"containerd"`,
  );
});

test("cli validation: --proxy-idle-timeout with words", () => {
  assertConfigError(
    withFlags("--proxy-idle-timeout", "5 minutes"),
    "--proxy-idle-timeout",
    `"5 minutes"`,
  );
});

test("cli validation: --admin-port out of range", () => {
  assertConfigError(withFlags("--admin-port", "0"), "--admin-port", "1-65526", `"0"`);
});

test("cli validation: --admin-port too close to 65535 for its ten ports", () => {
  assertConfigError(withFlags("--admin-port", "65530"), "--admin-port", "1-65526", `"65530"`);
});

test("cli validation: --interval of 0", () => {
  assertConfigError(withFlags("--interval", "0"), "--interval", "--interval must be 1-", `"0"`);
  assertConfigError(withFlags("-i", "0s"), "--interval", `"0s"`);
});

test("cli validation: --interval with a unit that is not whole seconds", () => {
  assertConfigError(withFlags("--interval", "500ms"), "--interval", `"500ms"`, "whole seconds");
  assertConfigError(withFlags("--interval", "10x"), "--interval", `"10x"`);
});

test("cli validation: --interval longer than a timer can wait", () => {
  assertConfigError(
    withFlags("--interval", "30000000"),
    "--interval",
    "1-2147483 seconds",
    `"30000000"`,
  );
});

test("cli validation: invalid --calver format", () => {
  assertConfigError(withFlags("--calver", "latest"), "--calver", `"latest"`);
});

test("cli validation: --calver conflicting with calver= in the URL", () => {
  assertConfigError(
    () => parse("container", "-r", `${REGISTRY}?calver=YYYY.MM`, "-p", "8080", "--calver", "YY.MM"),
    "--calver",
    "YY.MM",
    "YYYY.MM",
  );
});

test("cli validation: unknown --log-level", () => {
  assertConfigError(
    withFlags("--log-level", "verbose"),
    "--log-level",
    "debug, info, warn, error",
    `"verbose"`,
  );
});

test("cli validation: unknown --log-format", () => {
  assertConfigError(withFlags("-f", "yaml"), "--log-format", "text, json", `"yaml"`);
});

test("cli validation: --otlp-endpoint with a scheme", () => {
  assertConfigError(
    withFlags("--otlp-endpoint", "http://collector:4317"),
    "--otlp-endpoint",
    `"http://collector:4317"`,
    "HOST:PORT",
  );
});

test("cli validation: --otlp-endpoint without a port", () => {
  assertConfigError(withFlags("--otlp-endpoint", "collector"), "--otlp-endpoint", `"collector"`);
});

test("cli validation: --otlp-endpoint with a port out of range", () => {
  assertConfigError(
    withFlags("--otlp-endpoint", "collector:99999"),
    "--otlp-endpoint",
    `"collector:99999"`,
  );
});

test("cli validation: --otlp-endpoint at an IP needs --otlp-insecure (TLS needs a name)", () => {
  assertConfigError(
    withFlags("--otlp-endpoint", "127.0.0.1:4317"),
    "--otlp-endpoint",
    `"127.0.0.1:4317"`,
    "TLS needs the collector's host name",
  );
});

test("cli validation: --otlp-insecure without --otlp-endpoint", () => {
  assertConfigError(withFlags("--otlp-insecure"), "--otlp-insecure", "needs --otlp-endpoint");
});

test("cli validation: --notifier with an unsupported scheme", () => {
  assertConfigError(
    withFlags("--notifier", "discord://x"),
    "--notifier",
    "discord://",
    "slack://CHANNEL",
  );
});

test("cli validation: slack --notifier without SLACK_TOKEN", () => {
  assertConfigError(
    withFlags("--notifier", "slack://deploys"),
    "--notifier",
    "slack://deploys",
    "SLACK_TOKEN",
  );
});

test("cli validation: mail --notifier without a sender", () => {
  assertConfigError(
    withFlags("--notifier", "mail://smtp.example.com/ops@example.com"),
    "--notifier",
    "from=",
    "MAIL_FROM",
  );
});

test("cli validation: passthrough errors surface from parseCommandLine", () => {
  assertConfigError(
    withFlags("--", "--privileged"),
    "--privileged",
    "option --privileged conflicts",
  );
});

test("cli validation: a proxy port inside the admin API's port range", () => {
  assertConfigError(withFlags("-p", "17539"), "--port", "17539", "17539-17548", "--admin-port");
  assertConfigError(
    withFlags("-p", "9005:80", "--admin-port", "9000"),
    "--port",
    "9005",
    "9000-9009",
  );
  assert.equal(parse(...containerArgs("-p", "17549")).kind, "container");
});
