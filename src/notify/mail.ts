/**
 * The mail channel: one plain-text mail per message over SMTP (nodemailer), STARTTLS when the
 * server offers it unless `tls=false`, implicit TLS on port 465.
 *
 * nodemailer is imported on the first mail, not with this module: it adds about 12 MiB of
 * resident memory that a dewy without a mail notifier should not carry.
 *
 * @module
 */
import type { Transporter } from "nodemailer";
import type { HookResult } from "../hooks/result.ts";
import { NOTIFY_TIMEOUT_MS } from "./types.ts";
import { errorCode, errorMessage } from "../errors.ts";
import { hookResultText, hookStatus, hookTitle } from "./hook-text.ts";
import type { Channel, HookKind } from "./types.ts";

/** Subject of every mail except hook results (`?subject=` overrides it). */
export const DEFAULT_MAIL_SUBJECT = "Dewy Notification";
/** The port where SMTP speaks TLS from the first byte (SMTPS). */
const IMPLICIT_TLS_PORT = 465;

/** Settings of {@link MailChannel}, resolved and validated by the factory. */
export interface MailSettings {
  /** SMTP server host. */
  host: string;
  /** SMTP server port. */
  port: number;
  /** Recipient address. */
  to: string;
  /** SMTP credentials; without them the mail is sent unauthenticated (a local relay). */
  auth?: { user: string; pass: string };
  /** Sender address. */
  from: string;
  /** Subject of text messages. */
  subject: string;
  /** Upgrade with STARTTLS when offered (`false`: never, for servers without TLS). */
  tls: boolean;
  /** Certificate authorities trusted for TLS (default: the runtime's root store). */
  ca?: string[];
  /** This host's name (body footer). */
  hostname: string;
  /** The user dewy runs as (body footer). */
  userName: string;
  /** dewy's working directory (body footer). */
  workingDir: string;
  /** Sent as `X-Mailer: dewy/<version>`. */
  version: string;
}

/** Sending a notification mail failed. */
export class MailDeliveryError extends Error {
  /** @param settings where the mail went @param cause nodemailer's error (its `code` picks the hint) */
  constructor(settings: Pick<MailSettings, "host" | "port" | "to">, cause: unknown) {
    super(
      `mail to ${settings.to} via ${settings.host}:${settings.port} failed: ${
        errorMessage(cause)
      } (${mailHint(cause)})`,
      { cause },
    );
    this.name = "MailDeliveryError";
  }
}

/** What to check after a failed send, by nodemailer's error code. */
function mailHint(error: unknown): string {
  const code = errorCode(error);
  if (code === "EAUTH" || code === "ENOAUTH") {
    return "check the mail username and password: ?username=&password= or MAIL_USERNAME/MAIL_PASSWORD";
  }
  if (code === "ETLS" && /STARTTLS/i.test(errorMessage(error))) {
    return "the server does not offer STARTTLS: set tls=false in the mail URL to send unencrypted on a trusted network";
  }
  if (code === "ETLS" || /certificate/i.test(errorMessage(error))) {
    return "trust the server's CA with NODE_EXTRA_CA_CERTS, or set tls=false on a trusted network";
  }
  if (code === "EENVELOPE") return "check the sender (from=, MAIL_FROM) and the recipient";
  if (code === "ECONNECTION" || code === "ESOCKET" || code === "ETIMEDOUT" || code === "EDNS") {
    return "check that the host and port name an SMTP server reachable from here";
  }
  return "check the --notifier mail URL";
}

/** Sends each notification as one mail. */
export class MailChannel implements Channel {
  /** {@inheritDoc Channel.name} */
  readonly name: string;
  #settings: MailSettings;
  #transport: Promise<Transporter> | undefined;

  /** @param settings server, credentials, addresses */
  constructor(settings: MailSettings) {
    this.#settings = settings;
    this.name = `mail:${settings.to}`;
  }

  /** {@inheritDoc Channel.message} */
  message(text: string): Promise<void> {
    return this.#send(this.#settings.subject, text);
  }

  /** {@inheritDoc Channel.hookResult} */
  hookResult(kind: HookKind, result: HookResult): Promise<void> {
    return this.#send(
      `Dewy ${hookTitle(kind)} ${hookStatus(result)}`,
      hookResultText(kind, result),
    );
  }

  async #send(subject: string, text: string): Promise<void> {
    const { from, to, version } = this.#settings;
    try {
      this.#transport ??= createTransport(this.#settings);
      const transport = await this.#transport.catch((error) => {
        this.#transport = undefined; // try to load it again with the next mail
        throw error;
      });
      await transport.sendMail({
        from,
        to,
        subject,
        text: `${text}\n\n${this.#footer()}`,
        headers: { "X-Mailer": `dewy/${version}` },
      });
    } catch (error) {
      throw new MailDeliveryError(this.#settings, error);
    }
  }

  #footer(): string {
    return [
      `Host: ${this.#settings.hostname}`,
      `User: ${this.#settings.userName}`,
      `Working dir: ${this.#settings.workingDir}`,
      "",
      "--",
      "Dewy: https://github.com/linyows/dewy",
    ].join("\n");
  }
}

/** The SMTP transport for `settings` (loads nodemailer). */
async function createTransport(settings: MailSettings): Promise<Transporter> {
  const { default: nodemailer } = await import("nodemailer");
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.tls && settings.port === IMPLICIT_TLS_PORT,
    // tls=true means encrypted or nothing: a server that does not offer STARTTLS (or an
    // attacker who strips it) must not get the password in plain text.
    requireTLS: settings.tls && settings.port !== IMPLICIT_TLS_PORT,
    ignoreTLS: !settings.tls,
    auth: settings.auth,
    tls: settings.ca ? { ca: settings.ca } : undefined,
    connectionTimeout: NOTIFY_TIMEOUT_MS,
    greetingTimeout: NOTIFY_TIMEOUT_MS,
    socketTimeout: NOTIFY_TIMEOUT_MS,
  });
}
