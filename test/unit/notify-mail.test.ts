/**
 * The mail notifier against a real SMTP server (`smtp-server`, started on 127.0.0.1 by each
 * test): envelope, headers, body footer, authentication, env fallbacks, STARTTLS, failures.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { HookResult } from "../../src/deploy/hooks.ts";
import { ConfigError } from "../../src/errors.ts";
import { createNotifier } from "../../src/notify/factory.ts";
import { deployedMessage, pulledMessage } from "../../src/notify/messages.ts";
import type { Notifier } from "../../src/notify/types.ts";
import { recordingLogger } from "./notify-helpers.ts";

/** One mail the server accepted. */
interface Received {
  user?: string;
  mailFrom: string;
  rcptTo: string[];
  secure: boolean;
  raw: string;
}

/** The SMTP server of one test: its port and what it received. */
interface Smtp {
  port: number;
  received: Received[];
}

/** A self-signed test certificate for localhost/127.0.0.1 (EC P-256, valid 100 years). */
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcxLeTQS+Yy65R0ff
XNJSYRYJN6RYkslV2dsBDskxi8KhRANCAAQpaT7nidp8UpXyNzZG9cKvRsXyh7nK
kiaf6EW1NOuJ+1/kHnx4ovOPMmixh2Myps9kXUeDGSVY3myaCkh4xmy1
-----END PRIVATE KEY-----`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUSpzrrFiDsGGqNJmnkejvNdAEqxswCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTE2MDYwOFoYDzIxMjYxMTAx
MTYwNjA4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQpaT7nidp8UpXyNzZG9cKvRsXyh7nKkiaf6EW1NOuJ+1/kHnx4ovOP
Mmixh2Myps9kXUeDGSVY3myaCkh4xmy1o28wbTAdBgNVHQ4EFgQUu3XEdCBDJIlm
BIib95ZILRDk9fgwHwYDVR0jBBgwFoAUu3XEdCBDJIlmBIib95ZILRDk9fgwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSQAwRgIhAOQIXSLgQLantetwvNW18OBngSioZF4jiWJnhQeOvBTIAiEA
1jj8Wcxhiaqi6su+uEokqInsgpbilV+8eTIQlx2VBaI=
-----END CERTIFICATE-----`;

const USER = "dewy-bot@example.com";
const PASSWORD = "s3cret";

/** Starts an SMTP server requiring USER/PASSWORD on 127.0.0.1, runs `fn`, stops it. */
async function withSmtp(
  fn: (smtp: Smtp) => Promise<void>,
  extra: SMTPServerOptions = {},
): Promise<void> {
  const received: Received[] = [];
  const server = new SMTPServer({
    logger: false,
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) {
        callback(null, { user: auth.username });
      } else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          user: session.user as string | undefined,
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          raw: new TextDecoder().decode(concat(chunks)),
        });
        callback();
      });
    },
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  try {
    await fn({ port, received });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A header of a raw mail (first occurrence, unfolded). */
function header(raw: string, name: string): string | undefined {
  const head = raw.split("\r\n\r\n")[0].replace(/\r\n[ \t]+/g, " ");
  const line = head.split("\r\n").find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** The text body of a raw mail (nodemailer sends short ASCII/UTF-8 text as quoted-printable or 7bit). */
function body(raw: string): string {
  const text = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  const qp = /quoted-printable/i.test(header(raw, "Content-Transfer-Encoding") ?? "");
  const decoded = qp
    ? new TextDecoder().decode(
      Uint8Array.from(
        text.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})|[\s\S]/g, (c, hex) =>
          hex ? String.fromCharCode(parseInt(hex, 16)) : c),
        (c) =>
          c.charCodeAt(0),
      ),
    )
    : text;
  return decoded.replace(/\r\n/g, "\n").trim();
}

function mailNotifier(
  url: string,
  env: Record<string, string> = {},
  logger = recordingLogger().logger,
): Notifier {
  return createNotifier(url, {
    env: (name) => env[name],
    logger,
    version: "0.1.0",
    hostname: "web-1.example",
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
        `User: ${userInfo().username}`,
        `Working dir: ${process.cwd()}`,
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
