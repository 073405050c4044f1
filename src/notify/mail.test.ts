/**
 * The mail notifier against a real SMTP server (`smtp-server`, started on 127.0.0.1 by each
 * test): envelope, headers, body footer, authentication, env fallbacks, STARTTLS, failures.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HookResult } from "../hooks/result.ts";
import { ConfigError } from "../errors.ts";
import { createNotifier } from "./factory.ts";
import { resolveNotifier } from "./url.ts";
import { deployedMessage, pulledMessage } from "./messages.ts";
import type { Notifier } from "./types.ts";
import { recordingLogger } from "../../test/_notify.ts";
import { body, header, PASSWORD, TEST_CERT, TEST_KEY, USER, withSmtp } from "../../test/_smtp.ts";

function mailNotifier(
  url: string,
  env: Record<string, string> = {},
  logger = recordingLogger().logger,
): Notifier {
  const envGet = (name: string) => env[name];
  return createNotifier(resolveNotifier(url, envGet), {
    env: envGet,
    logger,
    version: "0.1.0",
    hostname: "web-1.example",
    userName: "deployer",
    workingDir: "/srv/dewy",
  });
}

test("notify mail: a message arrives with subject, from, to, footer and authentication", async () => {
  await withSmtp(async ({ port, received }) => {
    const { logger, records } = recordingLogger();
    const notifier = mailNotifier(
      `mail://127.0.0.1:${port}/ops@example.com?username=${USER}&password=${PASSWORD}&from=dewy@example.com&tls=false`,
      {},
      logger,
    );
    await notifier.sendImportant(deployedMessage({ started: 2, total: 3, tag: "v1.2.3" }));
    assert.deepEqual(records.filter((r) => r.level === "ERROR"), []);
    assert.equal(received.length, 1);
    const mail = received[0];
    assert.equal(mail.user, USER);
    assert.equal(mail.mailFrom, "dewy@example.com");
    assert.deepEqual(mail.rcptTo, ["ops@example.com"]);
    assert.equal(header(mail.raw, "Subject"), "Dewy Notification");
    assert.equal(header(mail.raw, "From"), "dewy@example.com");
    assert.equal(header(mail.raw, "To"), "ops@example.com");
    assert.equal(header(mail.raw, "X-Mailer"), "dewy/0.1.0");
    assert.equal(
      body(mail.raw),
      [
        "Container deployed successfully: `2/3` replicas of `v1.2.3`",
        "",
        "Host: web-1.example",
        "User: deployer",
        "Working dir: /srv/dewy",
        "",
        "--",
        "Dewy: https://github.com/linyows/dewy",
      ].join("\n"),
    );
  });
});

test("notify mail: smtp:// with MAIL_USERNAME/MAIL_PASSWORD, from falls back to the username", async () => {
  await withSmtp(async ({ port, received }) => {
    const notifier = mailNotifier(
      `smtp://127.0.0.1:${port}/ops@example.com?subject=Shop%20deploys&tls=false`,
      {
        MAIL_USERNAME: USER,
        MAIL_PASSWORD: PASSWORD,
      },
    );
    await notifier.send(pulledMessage("v2"));
    assert.equal(received.length, 1);
    assert.equal(received[0].user, USER);
    assert.equal(received[0].mailFrom, USER);
    assert.equal(header(received[0].raw, "Subject"), "Shop deploys");
    assert.match(body(received[0].raw), /^Pulled image for `v2`\n/);
  });
});

test("notify mail: MAIL_FROM is the sender when the URL has no from", async () => {
  await withSmtp(async ({ port, received }) => {
    const notifier = mailNotifier(`mail://127.0.0.1:${port}/ops@example.com?tls=false`, {
      MAIL_USERNAME: USER,
      MAIL_PASSWORD: PASSWORD,
      MAIL_FROM: "deploy-bot@example.com",
    });
    await notifier.send("hello");
    assert.equal(received[0].mailFrom, "deploy-bot@example.com");
  });
});

test("notify mail: a hook result has the hook subject and the command and output in the body", async () => {
  await withSmtp(async ({ port, received }) => {
    const notifier = mailNotifier(
      `mail://127.0.0.1:${port}/ops@example.com?username=${USER}&password=${PASSWORD}&from=dewy@example.com&tls=false`,
    );
    const failed: HookResult = {
      command: "./migrate.sh",
      exitCode: 4,
      stdout: "step 1 ok",
      stderr: "step 2: table locked",
      durationMs: 2500,
      timedOut: false,
    };
    await notifier.hookResult("Before Deploy", failed);
    await notifier.hookResult("After Deploy", { ...failed, exitCode: 0, stderr: "" });
    assert.deepEqual(received.map((m) => header(m.raw, "Subject")), [
      "Dewy Before Deploy Hook FAILED",
      "Dewy After Deploy Hook SUCCESS",
    ]);
    const text = body(received[0].raw);
    for (
      const part of [
        "Command: ./migrate.sh",
        "Exit Code: 4",
        "Duration: 2.5s",
        "Stdout:\nstep 1 ok",
        "Stderr:\nstep 2: table locked",
        "Host: web-1.example",
      ]
    ) {
      assert.ok(text.includes(part), `body lacks ${JSON.stringify(part)}:\n${text}`);
    }
  });
});

test("notify mail: a wrong password is logged as a delivery failure, never thrown", async () => {
  await withSmtp(async ({ port, received }) => {
    const { logger, records } = recordingLogger();
    const notifier = mailNotifier(
      `mail://127.0.0.1:${port}/ops@example.com?username=${USER}&password=wrong&from=dewy@example.com&tls=false`,
      {},
      logger,
    );
    await notifier.sendError(new Error("registry down"));
    assert.equal(received.length, 0);
    const failure = records.find((r) => r.msg === "Notification delivery failed");
    assert.equal(failure?.notifier, "mail:ops@example.com");
    assert.match(
      String(failure?.error),
      new RegExp(
        `mail to ops@example\\.com via 127\\.0\\.0\\.1:${port} failed: .*(535|Invalid).*\\(check the mail username and password`,
      ),
    );
  });
});

test("notify mail: STARTTLS is used when offered (an untrusted certificate stops the send)", async () => {
  await withSmtp(
    async ({ port, received }) => {
      const { logger, records } = recordingLogger();
      const url =
        `mail://127.0.0.1:${port}/ops@example.com?username=${USER}&password=${PASSWORD}&from=dewy@example.com`;
      await mailNotifier(url, {}, logger).send("over TLS");
      assert.equal(
        received.length,
        0,
        "nothing is sent over a connection whose certificate failed",
      );
      const failure = records.find((r) => r.msg === "Notification delivery failed");
      assert.match(
        String(failure?.error),
        /certificate.*\(trust the server's CA with NODE_EXTRA_CA_CERTS/i,
      );

      await mailNotifier(`${url}&tls=false`).send("plain");
      assert.equal(received.length, 1);
      assert.equal(received[0].secure, false, "tls=false never upgrades");
    },
    { hideSTARTTLS: false, allowInsecureAuth: true },
  );
});

test("notify mail: with TLS on (the default), a server without STARTTLS never gets the password", async () => {
  await withSmtp(async ({ port, received }) => {
    const { logger, records } = recordingLogger();
    await mailNotifier(
      `mail://127.0.0.1:${port}/ops@example.com?username=${USER}&password=${PASSWORD}&from=dewy@example.com`,
      {},
      logger,
    ).send("must not go out in plain text");
    assert.equal(received.length, 0);
    assert.match(
      String(records.find((r) => r.msg === "Notification delivery failed")?.error),
      /does not offer STARTTLS: set tls=false/,
    );
  }, { disabledCommands: ["STARTTLS"] });
});

test("notify mail: an unreachable server is logged, never thrown", async () => {
  let port = 0;
  await withSmtp((smtp) => {
    port = smtp.port;
    return Promise.resolve();
  });
  const { logger, records } = recordingLogger();
  await mailNotifier(
    `mail://127.0.0.1:${port}/ops@example.com?username=u&password=p&from=d@example.com&tls=false`,
    {},
    logger,
  )
    .sendImportant("nobody listens");
  assert.match(
    String(records.find((r) => r.msg === "Notification delivery failed")?.error),
    /(ECONNREFUSED|refused).*\(check that the host and port name an SMTP server/i,
  );
});

test("notify mail: STARTTLS to a server whose CA is in NODE_EXTRA_CA_CERTS delivers encrypted", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dewy-mail-ca-"));
  try {
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, TEST_CERT);
    await withSmtp(
      async ({ port, received }) => {
        const { logger, records } = recordingLogger();
        const url =
          `mail://127.0.0.1:${port}/ops@example.com?username=${USER}&password=${PASSWORD}&from=dewy@example.com`;
        await mailNotifier(url, { NODE_EXTRA_CA_CERTS: caFile }, logger).send("over STARTTLS");
        assert.deepEqual(records.filter((r) => r.level === "ERROR"), []);
        assert.equal(received.length, 1);
        assert.equal(received[0].secure, true, "the session was upgraded with STARTTLS");
        assert.equal(received[0].user, USER);
        assert.match(body(received[0].raw), /^over STARTTLS\n/);
      },
      { hideSTARTTLS: false, key: TEST_KEY, cert: TEST_CERT },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("notify mail: an unreadable NODE_EXTRA_CA_CERTS is a ConfigError at start-up", () => {
  assert.throws(
    () =>
      mailNotifier("mail://smtp.example.com/ops@example.com?from=d@example.com", {
        NODE_EXTRA_CA_CERTS: "/nonexistent/ca.pem",
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /NODE_EXTRA_CA_CERTS=\/nonexistent\/ca\.pem cannot be read/.test(error.message),
  );
});
