/**
 * A real SMTP server for tests (`smtp-server` on 127.0.0.1, a new port per use) that requires
 * {@link USER}/{@link PASSWORD} and records every mail, plus helpers to read a raw mail.
 *
 * @module
 */
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/** One mail the server accepted. */
export interface Received {
  user?: string;
  mailFrom: string;
  rcptTo: string[];
  secure: boolean;
  raw: string;
}

/** The SMTP server of one test: its port and what it received. */
export interface Smtp {
  port: number;
  received: Received[];
}

/** A self-signed test certificate for localhost/127.0.0.1 (EC P-256, valid 100 years). */
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcxLeTQS+Yy65R0ff
XNJSYRYJN6RYkslV2dsBDskxi8KhRANCAAQpaT7nidp8UpXyNzZG9cKvRsXyh7nK
kiaf6EW1NOuJ+1/kHnx4ovOPMmixh2Myps9kXUeDGSVY3myaCkh4xmy1
-----END PRIVATE KEY-----`;
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
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

/** The only user the server accepts. */
export const USER = "dewy-bot@example.com";
/** {@link USER}'s password. */
export const PASSWORD = "s3cret";

/** Starts an SMTP server requiring USER/PASSWORD on 127.0.0.1, runs `fn`, stops it. */
export async function withSmtp(
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
export function header(raw: string, name: string): string | undefined {
  const head = raw.split("\r\n\r\n")[0].replace(/\r\n[ \t]+/g, " ");
  const line = head.split("\r\n").find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** The text body of a raw mail (nodemailer sends short ASCII/UTF-8 text as quoted-printable or 7bit). */
export function body(raw: string): string {
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
