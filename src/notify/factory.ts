/**
 * Builds the notifier of `--notifier` (already resolved by `url.ts`): Slack or mail behind the
 * error-limiting notifier, or the null notifier when none is configured.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { ConfigError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { ErrorLimitingNotifier, nullNotifier } from "./limiter.ts";
import { DEFAULT_MAIL_SUBJECT, MailChannel } from "./mail.ts";
import { SLACK_API_URL, SlackChannel } from "./slack.ts";
import type { Channel, Notifier } from "./types.ts";
import type { MailNotifierSpec, NotifierSpec, SlackNotifierSpec } from "./url.ts";

/** Options of {@link createNotifier}. */
export interface CreateNotifierOptions {
  /** Reads `SLACK_API_URL` and `NODE_EXTRA_CA_CERTS` (the credentials are in the spec). */
  env: (name: string) => string | undefined;
  /** Receives delivery failures and `Error count reset`. */
  logger: Logger;
  /** dewy's version (`User-Agent` / `X-Mailer`). */
  version: string;
  /** This host's name in footers (`runtime.hostName()`). */
  hostname: string;
  /** The user dewy runs as, in mail footers (`runtime.userName()`). */
  userName: string;
  /** dewy's working directory, named in mail footers (`runtime.cwd()`). */
  workingDir: string;
  /** Slack Web API base URL (default: env `SLACK_API_URL`, else https://slack.com/api). */
  slackApiUrl?: string;
}

/**
 * The notifier for a resolved `--notifier` (see `resolveNotifier`); `null` gives a notifier
 * that sends nothing.
 *
 * @throws ConfigError when `NODE_EXTRA_CA_CERTS` names a file that cannot be read.
 * @example
 * ```ts
 * const notifier = createNotifier(config.notifier, {
 *   env: runtime.env,
 *   logger,
 *   version,
 *   hostname: runtime.hostName(),
 *   userName: runtime.userName(),
 *   workingDir: runtime.cwd(),
 * });
 * await notifier.send(startedMessage(version));
 * ```
 */
export function createNotifier(
  spec: NotifierSpec | null,
  options: CreateNotifierOptions,
): Notifier {
  if (spec === null) return nullNotifier;
  const channel = spec.kind === "slack" ? slackChannel(spec, options) : mailChannel(spec, options);
  return new ErrorLimitingNotifier({ channel, quiet: spec.quiet, logger: options.logger });
}

function slackChannel(spec: SlackNotifierSpec, options: CreateNotifierOptions): Channel {
  return new SlackChannel({
    channel: spec.channel,
    token: spec.token,
    title: spec.title,
    titleUrl: spec.url,
    thread: spec.thread,
    hostname: options.hostname,
    apiUrl: options.slackApiUrl || options.env("SLACK_API_URL") || SLACK_API_URL,
    version: options.version,
  });
}

function mailChannel(spec: MailNotifierSpec, options: CreateNotifierOptions): Channel {
  return new MailChannel({
    host: spec.host,
    port: spec.port,
    to: spec.to,
    auth: spec.auth,
    from: spec.from,
    subject: spec.subject ?? DEFAULT_MAIL_SUBJECT,
    tls: spec.tls,
    ca: trustedAuthorities(options.env),
    hostname: options.hostname,
    userName: options.userName,
    workingDir: options.workingDir,
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
