import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNotifierUrl, resolveNotifier } from "./url.ts";
import { assertConfigError, noEnv } from "../../test/_cli-assert.ts";
import { envOf } from "../../test/_env.ts";

test("notifier url: slack channel with defaults", () => {
  assert.deepEqual(parseNotifierUrl("slack://deploys"), {
    kind: "slack",
    channel: "deploys",
    title: undefined,
    url: undefined,
    quiet: false,
    thread: false,
  });
});

test("notifier url: slack with every parameter", () => {
  assert.deepEqual(
    parseNotifierUrl("slack://C0123ABC?title=Shop&url=https://example.com/x&quiet=true&thread=1"),
    {
      kind: "slack",
      channel: "C0123ABC",
      title: "Shop",
      url: "https://example.com/x",
      quiet: true,
      thread: true,
    },
  );
});

test("notifier url: mail with defaults", () => {
  assert.deepEqual(parseNotifierUrl("mail://smtp.example.com/ops@example.com"), {
    kind: "mail",
    host: "smtp.example.com",
    port: 587,
    to: "ops@example.com",
    username: undefined,
    password: undefined,
    from: undefined,
    subject: undefined,
    tls: true,
    quiet: false,
  });
});

test("notifier url: smtp with port and every parameter", () => {
  const url =
    "smtp://127.0.0.1:2525/ops%40example.com?username=u&password=p%20w&from=dewy@example.com&subject=Hi%20there&tls=false&quiet=true";
  assert.deepEqual(parseNotifierUrl(url), {
    kind: "mail",
    host: "127.0.0.1",
    port: 2525,
    to: "ops@example.com",
    username: "u",
    password: "p w",
    from: "dewy@example.com",
    subject: "Hi there",
    tls: false,
    quiet: true,
  });
});

test("notifier url: error: not a URL", () => {
  assertConfigError(
    () => parseNotifierUrl("deploys"),
    "--notifier",
    `"deploys"`,
    "slack://CHANNEL",
  );
});

test("notifier url: error: unsupported scheme", () => {
  assertConfigError(() => parseNotifierUrl("teams://x"), "--notifier", `"teams://"`);
});

test("notifier url: error: slack without a channel", () => {
  assertConfigError(() => parseNotifierUrl("slack://"), "--notifier", "no channel");
});

test("notifier url: error: slack channel with characters Slack does not use", () => {
  assertConfigError(
    () => parseNotifierUrl("slack://my channel"),
    "--notifier",
    `channel "my channel"`,
  );
});

test("notifier url: error: slack with an unknown parameter", () => {
  assertConfigError(
    () => parseNotifierUrl("slack://deploys?colour=red"),
    "--notifier",
    `"colour"`,
    "title, url, quiet, thread",
  );
});

test("notifier url: error: slack quiet that is not true or false", () => {
  assertConfigError(
    () => parseNotifierUrl("slack://deploys?quiet=maybe"),
    "--notifier",
    "quiet=maybe",
  );
});

test("notifier url: error: slack url that is not http(s)", () => {
  assertConfigError(
    () => parseNotifierUrl("slack://deploys?url=ftp://x"),
    "--notifier",
    "url=ftp://x",
  );
});

test("notifier url: error: mail without a recipient", () => {
  assertConfigError(
    () => parseNotifierUrl("mail://smtp.example.com"),
    "--notifier",
    `recipient ""`,
  );
});

test("notifier url: error: mail recipient that is not an address", () => {
  assertConfigError(
    () => parseNotifierUrl("mail://smtp.example.com/ops"),
    "--notifier",
    `recipient "ops"`,
  );
});

test("notifier url: error: mail port out of range", () => {
  assertConfigError(
    () => parseNotifierUrl("mail://smtp.example.com:70000/a@b.c"),
    "--notifier",
    "port 70000",
  );
});

test("notifier url: error: mail host that is not a host", () => {
  assertConfigError(() => parseNotifierUrl("mail://smtp_x!/a@b.c"), "--notifier", `"smtp_x!"`);
});

test("notifier url: error: mail credentials before the host", () => {
  assertConfigError(
    () => parseNotifierUrl("mail://user:pw@smtp.example.com/a@b.c"),
    "--notifier",
    "?username=",
  );
});

test("notifier url: error: mail with an unknown parameter", () => {
  assertConfigError(
    () => parseNotifierUrl("mail://smtp.example.com/a@b.c?cc=x@y.z"),
    "--notifier",
    `"cc"`,
  );
});

test("notifier url: error: mail from that is not an address", () => {
  assertConfigError(
    () => parseNotifierUrl("mail://smtp.example.com/a@b.c?from=dewy"),
    "--notifier",
    "from=dewy",
  );
});

test("notifier url: error: malformed percent escape", () => {
  assertConfigError(
    () => parseNotifierUrl("mail://smtp.example.com/a%zz@b.c"),
    "--notifier",
    "%-escape",
  );
});

test("notifier env: slack needs SLACK_TOKEN, which the spec carries", () => {
  const url = "slack://deploys";
  assertConfigError(() => resolveNotifier(url, noEnv), "--notifier", "SLACK_TOKEN");
  const spec = resolveNotifier(url, envOf({ SLACK_TOKEN: "xoxb" }));
  assert.equal(spec.kind === "slack" && spec.token, "xoxb");
});

test("notifier env: mail sender comes from from=, MAIL_FROM or the username", () => {
  const url = "mail://smtp.example.com/ops@example.com";
  const from = (u: string, env: Record<string, string>) => {
    const spec = resolveNotifier(u, envOf(env));
    return spec.kind === "mail" ? spec.from : undefined;
  };
  assertConfigError(() => resolveNotifier(url, noEnv), "--notifier", "MAIL_FROM");
  assert.equal(from(url, { MAIL_FROM: "dewy@example.com" }), "dewy@example.com");
  assert.equal(
    from(url, { MAIL_USERNAME: "dewy@example.com", MAIL_PASSWORD: "pw" }),
    "dewy@example.com",
  );
  assert.equal(from(`${url}?from=a@b.c`, { MAIL_FROM: "x@y.z" }), "a@b.c");
});

test("notifier env: a mail username needs a password", () => {
  const url = "mail://smtp.example.com/ops@example.com?username=dewy&from=a@b.c";
  assertConfigError(
    () => resolveNotifier(url, noEnv),
    "--notifier",
    `user "dewy"`,
    "MAIL_PASSWORD",
  );
  const spec = resolveNotifier(url, envOf({ MAIL_PASSWORD: "pw" }));
  assert.deepEqual(spec.kind === "mail" && spec.auth, { user: "dewy", pass: "pw" });
});
