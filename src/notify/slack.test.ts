/**
 * The Slack notifier against a local Slack-compatible HTTP server: message JSON, hook-result
 * attachments, error limiting, quiet mode, thread mode, failures that must not throw.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "../../test/_node-http.ts";
import type { AddressInfo } from "../../test/_node-net.ts";
import type { HookResult } from "../hooks/result.ts";
import type { Logger } from "../log.ts";
import { hostColor } from "./color.ts";
import { createNotifier } from "./factory.ts";
import { resolveNotifier } from "./url.ts";
import { ErrorLimitingNotifier } from "./limiter.ts";
import {
  deployedMessage,
  pulledMessage,
  RESTARTED_MESSAGE,
  startedMessage,
  stoppedMessage,
} from "./messages.ts";
import {
  SLACK_FOOTER_ICON_URL,
  SLACK_ICON_URL,
  SlackChannel,
  type SlackSettings,
} from "./slack.ts";
import { recordingLogger } from "../../test/_notify.ts";

/** One request the fake Slack received. */
interface Posted {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** What the fake Slack answers to the n-th post (default `{ ok: true, ts }`), optionally late. */
type Answer = (
  n: number,
) => { status: number; body: unknown; delayMs?: number; onSent?: () => void };

/** Starts a Slack-compatible server on 127.0.0.1 and runs `fn` against it, then stops it. */
async function withSlack(
  fn: (slack: { url: string; posted: Posted[] }) => Promise<void>,
  answer: Answer = (n) => ({ status: 200, body: { ok: true, ts: `1700000000.00000${n}` } }),
): Promise<void> {
  const posted: Posted[] = [];
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => data += c);
    req.on("end", () => {
      posted.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(data) });
      const { status, body, delayMs = 0, onSent } = answer(posted.length);
      setTimeout(() => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body), onSent);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn({ url: `http://127.0.0.1:${port}/api`, posted });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function slackNotifier(
  apiUrl: string,
  extra: Partial<SlackSettings> & { quiet?: boolean; logger?: Logger } = {},
): ErrorLimitingNotifier {
  const { quiet = false, logger = recordingLogger().logger, ...settings } = extra;
  const channel = new SlackChannel({
    channel: "deploys",
    token: "xoxb-test-token",
    thread: false,
    hostname: "web-1.example",
    apiUrl,
    version: "0.1.0",
    ...settings,
  });
  return new ErrorLimitingNotifier({ channel, quiet, logger });
}

function hook(overrides: Partial<HookResult> = {}): HookResult {
  return {
    command: "./migrate.sh",
    exitCode: 0,
    stdout: "",
    stderr: "",
    durationMs: 1250,
    timedOut: false,
    ...overrides,
  };
}

const texts = (posted: Posted[]) => posted.map((p) => p.body.attachments[0].text);

test("notify slack: each container-mode message is posted as chat.postMessage JSON", async () => {
  await withSlack(async ({ url, posted }) => {
    const notifier = slackNotifier(url, { title: "shop", titleUrl: "https://shop.example" });
    const before = Math.floor(Date.now() / 1000);
    await notifier.send(startedMessage("0.1.0"));
    await notifier.send(pulledMessage("v1.2.3"));
    await notifier.sendImportant(deployedMessage({ started: 2, total: 2, tag: "v1.2.3" }));
    await notifier.send(RESTARTED_MESSAGE);
    await notifier.send(stoppedMessage("SIGTERM"));
    assert.deepEqual(texts(posted), [
      "Automatic shipping started by *Dewy* (v0.1.0: container)",
      "Pulled image for `v1.2.3`",
      "Container deployed successfully: `2/2` replicas of `v1.2.3`",
      "Restarted receiving by `SIGUSR1` signal",
      "Stop receiving by `terminated` signal",
    ]);
    const first = posted[0];
    assert.equal(first.path, "/api/chat.postMessage");
    assert.equal(first.headers.authorization, "Bearer xoxb-test-token");
    assert.match(String(first.headers["content-type"]), /^application\/json/);
    assert.equal(first.body.channel, "deploys");
    assert.equal(first.body.username, "Dewy");
    assert.equal(first.body.icon_url, SLACK_ICON_URL);
    const attachment = first.body.attachments[0];
    assert.equal(attachment.color, hostColor("web-1.example"));
    assert.match(attachment.color, /^#[0-9A-F]{6}$/);
    assert.equal(attachment.footer, "<https://shop.example|shop>/web-1.example");
    assert.equal(attachment.footer_icon, SLACK_FOOTER_ICON_URL);
    assert.ok(attachment.ts >= before && attachment.ts <= Math.ceil(Date.now() / 1000));
    assert.equal(first.body.thread_ts, undefined);
  });
});

test("notify slack: footer is title/host with a title only, and the host without one", async () => {
  await withSlack(async ({ url, posted }) => {
    await slackNotifier(url, { title: "shop" }).send("a");
    await slackNotifier(url).send("b");
    assert.deepEqual(posted.map((p) => p.body.attachments[0].footer), [
      "shop/web-1.example",
      "web-1.example",
    ]);
  });
});

test("notify slack: errors 1, 2, 3 (with warning), then silence, then reset restarts the count", async () => {
  await withSlack(async ({ url, posted }) => {
    const { logger, records } = recordingLogger();
    const notifier = slackNotifier(url, { logger });
    for (let i = 1; i <= 5; i++) await notifier.sendError(new Error(`registry down ${i}`));
    await notifier.send("suppressed while failing");
    await notifier.sendImportant("also suppressed while failing");
    await notifier.hookResult("Before Deploy", hook({ exitCode: 1 }));
    assert.equal(notifier.errorCount, 5);
    assert.deepEqual(texts(posted), [
      "Error occurred (count: 1): registry down 1",
      "Error occurred (count: 2): registry down 2",
      "⚠️ No more error notifications will be sent until errors are resolved.\n\nError occurred (count: 3): registry down 3",
    ]);

    notifier.resetErrors();
    const reset = records.find((r) => r.msg === "Error count reset");
    assert.deepEqual({ level: reset?.level, from: reset?.from, to: reset?.to }, {
      level: "INFO",
      from: 5,
      to: 0,
    });
    await notifier.send("back to normal");
    await notifier.sendError("registry down again");
    assert.deepEqual(texts(posted).slice(3), [
      "back to normal",
      "Error occurred (count: 1): registry down again",
    ]);

    const resets = records.filter((r) => r.msg === "Error count reset").length;
    notifier.resetErrors();
    notifier.resetErrors();
    assert.equal(
      records.filter((r) => r.msg === "Error count reset").length,
      resets + 1,
      "a reset at 0 is not logged",
    );
  });
});

test("notify slack: the error count stops at 1000", async () => {
  await withSlack(async ({ url }) => {
    const notifier = slackNotifier(url);
    for (let i = 0; i < 1005; i++) await notifier.sendError("boom");
    assert.equal(notifier.errorCount, 1000);
  });
});

test("notify slack: quiet mode sends important messages, errors and failed hooks only", async () => {
  await withSlack(async ({ url, posted }) => {
    const notifier = slackNotifier(url, { quiet: true });
    await notifier.send(startedMessage("0.1.0"));
    await notifier.hookResult("Before Deploy", hook());
    await notifier.sendImportant(deployedMessage({ started: 1, total: 1, tag: "v2" }));
    await notifier.hookResult("After Deploy", hook({ exitCode: 2 }));
    await notifier.sendError("boom");
    assert.deepEqual(posted.map((p) => p.body.attachments[0].title ?? p.body.attachments[0].text), [
      "Container deployed successfully: `1/1` replicas of `v2`",
      "After Deploy Hook",
      "Error occurred (count: 1): boom",
    ]);
  });
});

test("notify slack: hook results are attachments with command, output, exit code and duration", async () => {
  await withSlack(async ({ url, posted }) => {
    const notifier = slackNotifier(url);
    await notifier.hookResult("Before Deploy", hook({ stdout: "migrated 3 tables" }));
    await notifier.hookResult(
      "After Deploy",
      hook({ exitCode: 7, stderr: "smoke test failed", durationMs: 420 }),
    );
    const [ok, failed] = posted.map((p) => p.body.attachments[0]);
    assert.equal(ok.title, "Before Deploy Hook");
    assert.equal(ok.color, "#36a64f");
    assert.equal(ok.text, "```\n./migrate.sh\n```");
    assert.deepEqual(ok.fields, [
      { title: "Stdout", value: "```\nmigrated 3 tables\n```", short: false },
      { title: "Exit Code", value: "`0`", short: true },
      { title: "Duration", value: "1.25s", short: true },
    ]);
    assert.equal(ok.footer, "web-1.example");
    assert.equal(failed.title, "After Deploy Hook");
    assert.equal(failed.color, "#dd0000");
    assert.deepEqual(failed.fields, [
      { title: "Stderr", value: "```\nsmoke test failed\n```", short: false },
      { title: "Exit Code", value: "`7`", short: true },
      { title: "Duration", value: "420ms", short: true },
    ]);
  });
});

test("notify slack: long hook output is cut to 50 lines in the attachment", async () => {
  await withSlack(async ({ url, posted }) => {
    const stdout = Array.from({ length: 80 }, (_, i) => `line ${i + 1}`).join("\n");
    await slackNotifier(url).hookResult("Before Deploy", hook({ stdout }));
    const value: string = posted[0].body.attachments[0].fields[0].value;
    assert.ok(value.includes("line 50\n... (30 more lines truncated)"), value.slice(-80));
    assert.ok(!value.includes("line 51"));
  });
});

test("notify slack: an ok=false answer is logged with Slack's error and never thrown", async () => {
  await withSlack(
    async ({ url, posted }) => {
      const { logger, records } = recordingLogger();
      const notifier = slackNotifier(url, { logger });
      await notifier.send("hello");
      await notifier.sendError("boom");
      assert.equal(posted.length, 2);
      const failures = records.filter((r) => r.msg === "Notification delivery failed");
      assert.equal(failures.length, 2);
      assert.equal(failures[0].level, "ERROR");
      assert.equal(failures[0].notifier, "slack:deploys");
      assert.match(
        String(failures[0].error),
        /channel "deploys" failed: not_in_channel \(check SLACK_TOKEN and that the bot is in the channel\)$/,
      );
    },
    () => ({ status: 200, body: { ok: false, error: "not_in_channel" } }),
  );
});

test("notify slack: an unreachable API is logged, never thrown", async () => {
  let deadUrl = "";
  await withSlack(({ url }) => {
    deadUrl = url;
    return Promise.resolve();
  });
  const { logger, records } = recordingLogger();
  await slackNotifier(deadUrl, { logger }).sendImportant("nobody listens");
  const failure = records.find((r) => r.msg === "Notification delivery failed");
  assert.match(
    String(failure?.error),
    /cannot reach http:\/\/127\.0\.0\.1:\d+\/api: .*\(check the network and SLACK_API_URL\)$/,
  );
});

test("notify slack: an HTTP error without a JSON body reports the status", async () => {
  await withSlack(
    async ({ url }) => {
      const { logger, records } = recordingLogger();
      await slackNotifier(url, { logger }).send("hello");
      assert.match(
        String(records.find((r) => r.msg === "Notification delivery failed")?.error),
        /HTTP 503/,
      );
    },
    () => ({ status: 503, body: "unavailable" }),
  );
});

test("notify slack: thread mode replies in the first message's thread, broadcasting errors", async () => {
  await withSlack(async ({ url, posted }) => {
    const notifier = slackNotifier(url, { thread: true });
    await notifier.send(startedMessage("0.1.0"));
    await notifier.send(pulledMessage("v3"));
    await notifier.sendImportant(deployedMessage({ started: 1, total: 1, tag: "v3" }));
    await notifier.sendError("boom");
    assert.deepEqual(
      posted.map((p) => [p.body.thread_ts, p.body.reply_broadcast]),
      [
        [undefined, undefined],
        ["1700000000.000001", undefined],
        ["1700000000.000001", true],
        ["1700000000.000001", true],
      ],
    );
  });
});

test("notify slack: the host colour is stable and never an alarming red", () => {
  assert.equal(hostColor("web-1.example"), hostColor("web-1.example"));
  assert.notEqual(hostColor("web-1.example"), hostColor("web-2.example"));
  let redHost = "";
  for (let i = 0; i < 100_000 && redHost === ""; i++) {
    const candidate = `host-${i}`;
    const raw = createHash("md5").update(candidate).digest();
    if (raw[0] >= 0xcc && raw[1] <= 0x33 && raw[2] <= 0x33) redHost = candidate;
  }
  assert.notEqual(redHost, "", "found a host name whose md5 starts red");
  const color = hostColor(redHost);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  assert.ok(!(r >= 0xcc && g <= 0x33 && b <= 0x33), `${redHost} → ${color} is still red`);
});

test("notify slack: createNotifier reads SLACK_TOKEN and SLACK_API_URL and applies quiet", async () => {
  await withSlack(async ({ url, posted }) => {
    const env: Record<string, string> = { SLACK_TOKEN: "xoxb-from-env", SLACK_API_URL: url };
    const notifier = createNotifier(
      resolveNotifier("slack://deploys?title=shop&quiet=true", (name) => env[name]),
      {
        env: (name) => env[name],
        logger: recordingLogger().logger,
        version: "0.1.0",
        hostname: "web-9",
        userName: "deployer",
        workingDir: "/",
      },
    );
    await notifier.send("muted by quiet");
    await notifier.sendImportant("sent");
    assert.deepEqual(texts(posted), ["sent"]);
    assert.equal(posted[0].headers.authorization, "Bearer xoxb-from-env");
    assert.equal(posted[0].headers["user-agent"], "dewy/0.1.0");
    assert.equal(posted[0].body.attachments[0].footer, "shop/web-9");
  });
});

test("notify slack: the slackApiUrl option wins over SLACK_API_URL", async () => {
  await withSlack(async ({ url, posted }) => {
    const env: Record<string, string> = {
      SLACK_TOKEN: "t",
      SLACK_API_URL: "http://127.0.0.1:9/nowhere",
    };
    const notifier = createNotifier(resolveNotifier("slack://ops", (name) => env[name]), {
      env: (name) => env[name],
      logger: recordingLogger().logger,
      version: "0.1.0",
      slackApiUrl: url,
      hostname: "web-9",
      userName: "deployer",
      workingDir: "/",
    });
    await notifier.send("hello");
    assert.equal(posted.length, 1);
    assert.equal(posted[0].body.channel, "ops");
  });
});

test("notify slack: messages sent without waiting are delivered one at a time, in order", async () => {
  let answered = 0;
  const seenAnswered: number[] = [];
  await withSlack(
    async ({ url, posted }) => {
      const notifier = slackNotifier(url);
      await Promise.all([
        notifier.send(pulledMessage("v4")),
        notifier.hookResult("Before Deploy", hook()),
        notifier.sendImportant(deployedMessage({ started: 1, total: 1, tag: "v4" })),
      ]);
      assert.deepEqual(
        posted.map((p) => p.body.attachments[0].title ?? p.body.attachments[0].text),
        [
          "Pulled image for `v4`",
          "Before Deploy Hook",
          "Container deployed successfully: `1/1` replicas of `v4`",
        ],
      );
      assert.deepEqual(
        seenAnswered,
        [0, 1, 2],
        "each post waited for the answer to the previous one",
      );
    },
    (n) => {
      seenAnswered.push(answered);
      return {
        status: 200,
        body: { ok: true, ts: `1.${n}` },
        delayMs: n === 1 ? 200 : 0,
        onSent: () => answered++,
      };
    },
  );
});
