/**
 * Builds the notifier of `--notifier`: Slack or mail behind the error-limiting notifier, or
 * the null notifier when none is configured. Missing settings fail here, at start-up.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { rootCertificates } from "node:tls";
import {
  checkNotifierEnvironment,
  type MailNotifierUrl,
  parseNotifierUrl,
  type SlackNotifierUrl,
} from "../cli/notifier-url.ts";
import { ConfigError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { ErrorLimitingNotifier, nullNotifier } from "./limiter.ts";
import { DEFAULT_MAIL_SUBJECT, MailChannel } from "./mail.ts";
import { SLACK_API_URL, SlackChannel } from "./slack.ts";
import type { Channel, Notifier } from "./types.ts";

/** Options of {@link createNotifier}. */
export interface CreateNotifierOptions {
  /**
   * Reads `SLACK_TOKEN`, `SLACK_API_URL`, `MAIL_USERNAME`, `MAIL_PASSWORD`, `MAIL_FROM` and
   * `NODE_EXTRA_CA_CERTS`.
   */
  env: (name: string) => string | undefined;
  /** Receives delivery failures and `Error count reset`. */
  logger: Logger;
  /** dewy's version (`User-Agent` / `X-Mailer`). */
  version: string;
  /** This host's name in footers (default: the OS host name). */
  hostname?: string;
  /** Slack Web API base URL (default: env `SLACK_API_URL`, else https://slack.com/api). */
  slackApiUrl?: string;
}

/**
 * The notifier for a `--notifier` URL (`slack://CHANNEL?…`, `mail://…`, `smtp://…`); an empty
 * URL gives a notifier that sends nothing.
 *
 * @throws ConfigError when the URL is malformed or a setting the environment must supply is
 *   missing (`SLACK_TOKEN`; a mail sender; the password of a mail user).
 * @example
 * ```ts
 * const notifier = createNotifier(config.notifier, { env: runtime.env, logger, version });
 * await notifier.send(startedMessage(version));
 * ```
 */
export function createNotifier(url: string, options: CreateNotifierOptions): Notifier {
  if (url === "") return nullNotifier;
  const spec = parseNotifierUrl(url);
  checkNotifierEnvironment(url, spec, options.env);
  const channel = spec.kind === "slack" ? slackChannel(spec, options) : mailChannel(spec, options);
  return new ErrorLimitingNotifier({ channel, quiet: spec.quiet, logger: options.logger });
}

function slackChannel(spec: SlackNotifierUrl, options: CreateNotifierOptions): Channel {
  return new SlackChannel({
    channel: spec.channel,
    token: options.env("SLACK_TOKEN") ?? "",
    title: spec.title,
    titleUrl: spec.url,
    thread: spec.thread,
    hostname: options.hostname ?? osHostname(),
    apiUrl: options.slackApiUrl || options.env("SLACK_API_URL") || SLACK_API_URL,
    version: options.version,
  });
}

function mailChannel(spec: MailNotifierUrl, options: CreateNotifierOptions): Channel {
  const username = spec.username || options.env("MAIL_USERNAME");
  return new MailChannel({
    host: spec.host,
    port: spec.port,
    to: spec.to,
    auth: username
      ? { user: username, pass: spec.password || options.env("MAIL_PASSWORD") || "" }
      : undefined,
    from: spec.from || options.env("MAIL_FROM") || username || "",
    subject: spec.subject ?? DEFAULT_MAIL_SUBJECT,
    tls: spec.tls,
    ca: trustedAuthorities(options.env),
    hostname: options.hostname ?? osHostname(),
    version: options.version,
  });
}

/**
 * The root store plus the PEM file named by `NODE_EXTRA_CA_CERTS` (a private CA of the mail
 * server). Bun and Node honour that variable by themselves, Deno's `node:tls` does not.
 */
function trustedAuthorities(env: CreateNotifierOptions["env"]): string[] | undefined {
  const file = env("NODE_EXTRA_CA_CERTS");
  if (!file) return undefined;
  try {
    return [...rootCertificates, readFileSync(file, "utf8")];
  } catch (error) {
    throw new ConfigError(
      "NODE_EXTRA_CA_CERTS",
      `NODE_EXTRA_CA_CERTS=${file} cannot be read (${
        errorMessage(error)
      }): fix the path or unset it`,
    );
  }
}
