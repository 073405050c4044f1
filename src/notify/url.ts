/**
 * `--notifier` URLs: `slack://CHANNEL[?title=T&url=U&quiet=B&thread=B]` and
 * `mail://HOST[:PORT]/TO[?username=&password=&from=&subject=&tls=B&quiet=B]` (`smtp://` is
 * the same as `mail://`). {@link parseNotifierUrl} checks the syntax; {@link resolveNotifier}
 * also takes what the URL leaves to the environment, once, into a {@link NotifierSpec}.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { parseBoolWord } from "../parse/bool.ts";

/** A parsed `slack://` notifier URL. */
export interface SlackNotifierUrl {
  /** Discriminant. */
  kind: "slack";
  /** Channel name or ID, without `#`. */
  channel: string;
  /** Footer title (`title=`), linked to {@link url} when both are set. */
  title?: string;
  /** Footer link (`url=`), an http(s) URL. */
  url?: string;
  /** `quiet=true`: only important messages, errors and failed hooks are sent. */
  quiet: boolean;
  /** `thread=true`: messages after the first go into its thread. */
  thread: boolean;
}

/** A parsed `mail://` or `smtp://` notifier URL. */
export interface MailNotifierUrl {
  /** Discriminant. */
  kind: "mail";
  /** SMTP server host name or address. */
  host: string;
  /** SMTP port (default 587). */
  port: number;
  /** Recipient address (the URL path). */
  to: string;
  /** SMTP user (`username=`; `MAIL_USERNAME` is the fallback). */
  username?: string;
  /** SMTP password (`password=`; `MAIL_PASSWORD` is the fallback). */
  password?: string;
  /** Sender (`from=`; `MAIL_FROM`, then the username, are the fallbacks). */
  from?: string;
  /** Subject (`subject=`; the notifier's default when absent). */
  subject?: string;
  /** `tls=false` turns TLS off (default on: STARTTLS, or implicit TLS on port 465). */
  tls: boolean;
  /** `quiet=true`: only important messages, errors and failed hooks are sent. */
  quiet: boolean;
}

/** A parsed `--notifier` URL. */
export type NotifierUrl = SlackNotifierUrl | MailNotifierUrl;

/** Default SMTP submission port of `mail://` URLs. */
export const MAIL_DEFAULT_PORT = 587;

const FLAG = "--notifier";
const SLACK_KEYS = ["title", "url", "quiet", "thread"];
const MAIL_KEYS = ["username", "password", "from", "subject", "tls", "quiet"];
const CHANNEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ADDRESS = /^[^@\s]+@[^@\s]+$/;

/**
 * `url` with its secrets hidden, for messages: the `password=` value and a password before the
 * host (`user:***@`).
 *
 * @example `redactNotifierUrl("mail://h/to@x?password=pw")` is `"mail://h/to@x?password=***"`
 */
export function redactNotifierUrl(url: string): string {
  return url
    .replace(/([?&]password=)[^&#]*/gi, "$1***")
    .replace(/^([^:/?#]+:\/\/[^/?#@:]*:)[^/?#@]*@/, "$1***@");
}

function fail(url: string, problem: string): never {
  throw new ConfigError(FLAG, `invalid --notifier "${redactNotifierUrl(url)}": ${problem}`);
}

function readQuery(url: string, query: string, known: string[]): URLSearchParams {
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (!known.includes(key)) {
      fail(url, `unknown parameter "${key}" (supported: ${known.join(", ")})`);
    }
  }
  return params;
}

function readBool(url: string, params: URLSearchParams, key: string, fallback: boolean): boolean {
  const value = params.get(key);
  if (value === null) return fallback;
  return parseBoolWord(value) ?? fail(url, `${key}=${value} must be true or false`);
}

function decode(url: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(url, `"${text}" has a malformed %-escape`);
  }
}

function optional(params: URLSearchParams, key: string): string | undefined {
  return params.get(key) || undefined;
}

function parseSlack(url: string, target: string, params: URLSearchParams): SlackNotifierUrl {
  const channel = decode(url, target);
  if (channel === "") fail(url, "no channel; write slack://CHANNEL, e.g. slack://deploys");
  if (!CHANNEL.test(channel)) {
    fail(
      url,
      `channel "${channel}" must be a Slack channel name or ID (letters, digits, . _ -, no #)`,
    );
  }
  const link = optional(params, "url");
  if (link !== undefined && !/^https?:\/\/[^\s]+$/.test(link)) {
    fail(url, `url=${link} must be an http(s) URL`);
  }
  return {
    kind: "slack",
    channel,
    title: optional(params, "title"),
    url: link,
    quiet: readBool(url, params, "quiet", false),
    thread: readBool(url, params, "thread", false),
  };
}

function parseMail(url: string, target: string, params: URLSearchParams): MailNotifierUrl {
  const slash = target.indexOf("/");
  const authority = slash < 0 ? target : target.slice(0, slash);
  const to = decode(url, slash < 0 ? "" : target.slice(slash + 1));
  if (authority.includes("@")) {
    fail(
      url,
      "credentials do not belong before the host; use ?username=&password= or MAIL_USERNAME/MAIL_PASSWORD",
    );
  }
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?$/.exec(authority);
  if (!m) fail(url, `"${authority}" is not HOST or HOST:PORT of an SMTP server`);
  const port = m[2] === undefined ? MAIL_DEFAULT_PORT : Number(m[2]);
  if (port < 1 || port > 65535) fail(url, `port ${m[2]} must be 1-65535`);
  if (!ADDRESS.test(to)) {
    fail(
      url,
      `recipient "${to}" must be an address; write mail://HOST[:PORT]/TO, e.g. mail://smtp.example.com/ops@example.com`,
    );
  }
  const from = optional(params, "from");
  if (from !== undefined && !ADDRESS.test(from)) fail(url, `from=${from} must be an address`);
  return {
    kind: "mail",
    host: m[1],
    port,
    to,
    username: optional(params, "username"),
    password: optional(params, "password"),
    from,
    subject: optional(params, "subject"),
    tls: readBool(url, params, "tls", true),
    quiet: readBool(url, params, "quiet", false),
  };
}

/**
 * Parse a `--notifier` URL. Throws a `ConfigError` (flag `--notifier`) naming the URL and
 * the part at fault: unknown scheme, missing channel/host/recipient, unknown parameter,
 * a parameter that is not true/false.
 *
 * @example
 * ```ts
 * parseNotifierUrl("slack://deploys?quiet=true"); // { kind: "slack", channel: "deploys", quiet: true, thread: false, ... }
 * parseNotifierUrl("mail://smtp.example.com:2525/ops@example.com?from=dewy@example.com");
 * ```
 */
export function parseNotifierUrl(url: string): NotifierUrl {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^?#]*)(?:\?([^#]*))?$/.exec(url.trim());
  if (!m) fail(url, "expected slack://CHANNEL or mail://HOST[:PORT]/TO");
  const scheme = m[1].toLowerCase();
  if (scheme === "slack") return parseSlack(url, m[2], readQuery(url, m[3] ?? "", SLACK_KEYS));
  if (scheme === "mail" || scheme === "smtp") {
    return parseMail(url, m[2], readQuery(url, m[3] ?? "", MAIL_KEYS));
  }
  return fail(
    url,
    `unsupported scheme "${
      m[1]
    }://"; use slack://CHANNEL or mail://HOST[:PORT]/TO (smtp:// works too)`,
  );
}

/** A `slack://` notifier with its token. */
export interface SlackNotifierSpec extends SlackNotifierUrl {
  /** Bot token (`SLACK_TOKEN`). */
  token: string;
}

/** A `mail://` notifier with its sender and login settled. */
export interface MailNotifierSpec extends Omit<MailNotifierUrl, "username" | "password" | "from"> {
  /** Sender: `from=`, `MAIL_FROM`, else the username. */
  from: string;
  /** SMTP login (`username=`/`MAIL_USERNAME` with `password=`/`MAIL_PASSWORD`), if any. */
  auth?: { user: string; pass: string };
}

/** A `--notifier` with everything it needs: what `createNotifier` builds a channel from. */
export type NotifierSpec = SlackNotifierSpec | MailNotifierSpec;

/**
 * Parse a `--notifier` URL and take what it leaves to the environment: `SLACK_TOKEN` for
 * Slack; for mail, a sender (`from=`, `MAIL_FROM` or the username) and, when a username is set
 * (`username=` or `MAIL_USERNAME`), a password (`password=` or `MAIL_PASSWORD`).
 * Throws a `ConfigError` naming the URL and the part at fault or the missing variable.
 */
export function resolveNotifier(
  url: string,
  env: (name: string) => string | undefined,
): NotifierSpec {
  const notifier = parseNotifierUrl(url);
  if (notifier.kind === "slack") {
    const token = env("SLACK_TOKEN");
    if (!token) fail(url, "set SLACK_TOKEN to a Slack bot token with the chat:write scope");
    return { ...notifier, token };
  }
  const { username: givenUser, password: givenPass, from: givenFrom, ...mail } = notifier;
  const username = givenUser || env("MAIL_USERNAME");
  const password = givenPass || env("MAIL_PASSWORD");
  const from = givenFrom || env("MAIL_FROM") || username;
  if (!from) fail(url, "no sender; add ?from=ADDRESS or set MAIL_FROM");
  if (username && !password) {
    fail(url, `user "${username}" has no password; add ?password= or set MAIL_PASSWORD`);
  }
  return { ...mail, from, auth: username ? { user: username, pass: password! } : undefined };
}
