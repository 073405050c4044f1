/**
 * The Slack channel: `chat.postMessage` with one attachment per message, shaped as Go Dewy
 * posts them (username `Dewy`, host colour, `title/hostname` footer).
 *
 * @module
 */
import { type HookResult, hookSucceeded } from "../hooks/result.ts";
import { NOTIFY_TIMEOUT_MS } from "./types.ts";
import { errorMessage } from "../errors.ts";
import { hostColor } from "./color.ts";
import { formatDuration, hookTitle, truncateOutput } from "./hook-text.ts";
import type { Channel, HookKind, Priority } from "./types.ts";

/** Where the Slack Web API lives unless `SLACK_API_URL` or an option says otherwise. */
export const SLACK_API_URL = "https://slack.com/api";
/** Icon of the `Dewy` bot user. */
export const SLACK_ICON_URL =
  "https://raw.githubusercontent.com/linyows/dewy/main/misc/dewy-icon.512.png";
/** Icon in the attachment footer. */
export const SLACK_FOOTER_ICON_URL =
  "https://raw.githubusercontent.com/linyows/dewy/main/misc/dewy-icon.32.png";

const HOOK_SUCCESS_COLOR = "#36a64f";
const HOOK_FAILURE_COLOR = "#dd0000";

/** Settings of {@link SlackChannel}, resolved and validated by the factory. */
export interface SlackSettings {
  /** Channel name or id to post to. */
  channel: string;
  /** Bot token (`SLACK_TOKEN`). */
  token: string;
  /** Footer title (`?title=`). */
  title?: string;
  /** Footer link (`?url=`), used with the title. */
  titleUrl?: string;
  /** Thread mode (`?thread=true`): the first message starts a thread, the rest reply in it. */
  thread: boolean;
  /** This host's name (footer, colour). */
  hostname: string;
  /** Base URL of the Web API, without the method (default {@link SLACK_API_URL}). */
  apiUrl: string;
  /** Sent as `User-Agent: dewy/<version>`. */
  version: string;
}

/** Slack answered a `chat.postMessage` with an error, or could not be reached. */
export class SlackApiError extends Error {
  /**
   * @param channel the target channel
   * @param reason Slack's `error` field, the HTTP status, or why the API was unreachable
   * @param hint what the operator should check
   */
  constructor(channel: string, reason: string, hint: string, options?: ErrorOptions) {
    super(`Slack chat.postMessage to channel "${channel}" failed: ${reason} (${hint})`, options);
    this.name = "SlackApiError";
  }
}

const API_HINT = "check SLACK_TOKEN and that the bot is in the channel";
const NETWORK_HINT = "check the network and SLACK_API_URL";

/** Attachment field of a hook result. */
interface Field {
  title: string;
  value: string;
  short: boolean;
}

/** The attachment shape of `chat.postMessage`. */
interface Attachment {
  color: string;
  title?: string;
  text: string;
  fields?: Field[];
  footer: string;
  footer_icon: string;
  ts: number;
}

/**
 * Posts to one Slack channel. In thread mode the `ts` of the first message posted becomes the
 * thread; later messages reply in it, and errors and important messages are also broadcast
 * to the channel.
 */
export class SlackChannel implements Channel {
  /** {@inheritDoc Channel.name} */
  readonly name: string;
  #settings: SlackSettings;
  #threadTs?: string;

  /** @param settings channel, token, footer, API URL */
  constructor(settings: SlackSettings) {
    this.#settings = settings;
    this.name = `slack:${settings.channel}`;
  }

  /** {@inheritDoc Channel.message} */
  message(text: string, priority: Priority): Promise<void> {
    return this.#post(
      this.#attachment({ color: hostColor(this.#settings.hostname), text }),
      priority !== "normal",
    );
  }

  /** {@inheritDoc Channel.hookResult} */
  hookResult(kind: HookKind, result: HookResult): Promise<void> {
    const fields: Field[] = [];
    for (const [title, output] of [["Stdout", result.stdout], ["Stderr", result.stderr]]) {
      if (output !== "") {
        fields.push({ title, value: codeBlock(truncateOutput(output)), short: false });
      }
    }
    fields.push({ title: "Exit Code", value: `\`${result.exitCode}\``, short: true });
    fields.push({ title: "Duration", value: formatDuration(result.durationMs), short: true });
    if (result.timedOut) fields.push({ title: "Timed Out", value: "`true`", short: true });
    return this.#post(
      this.#attachment({
        color: hookSucceeded(result) ? HOOK_SUCCESS_COLOR : HOOK_FAILURE_COLOR,
        title: hookTitle(kind),
        text: codeBlock(result.command),
        fields,
      }),
      false,
    );
  }

  #attachment(content: Pick<Attachment, "color" | "text" | "title" | "fields">): Attachment {
    const { title, titleUrl, hostname } = this.#settings;
    const footer = title && titleUrl
      ? `<${titleUrl}|${title}>/${hostname}`
      : title
      ? `${title}/${hostname}`
      : hostname;
    return {
      ...content,
      footer,
      footer_icon: SLACK_FOOTER_ICON_URL,
      ts: Math.floor(Date.now() / 1000),
    };
  }

  async #post(attachment: Attachment, broadcast: boolean): Promise<void> {
    const { channel, token, apiUrl, version } = this.#settings;
    const body: Record<string, unknown> = {
      channel,
      username: "Dewy",
      icon_url: SLACK_ICON_URL,
      attachments: [attachment],
    };
    if (this.#threadTs !== undefined) {
      body.thread_ts = this.#threadTs;
      if (broadcast) body.reply_broadcast = true;
    }
    let response: Response;
    try {
      response = await fetch(`${apiUrl.replace(/\/+$/, "")}/chat.postMessage`, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          authorization: `Bearer ${token}`,
          "user-agent": `dewy/${version}`,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
      });
    } catch (error) {
      const reason = `cannot reach ${apiUrl}: ${errorMessage(error)}`;
      throw new SlackApiError(channel, reason, NETWORK_HINT, { cause: error });
    }
    const answer = await response.json().catch(() => undefined) as {
      ok?: boolean;
      error?: string;
      ts?: string;
    } | undefined;
    if (answer?.ok !== true) {
      throw new SlackApiError(channel, answer?.error ?? `HTTP ${response.status}`, API_HINT);
    }
    if (this.#settings.thread && this.#threadTs === undefined && typeof answer.ts === "string") {
      this.#threadTs = answer.ts;
    }
  }
}

function codeBlock(text: string): string {
  return `\`\`\`\n${text}\n\`\`\``;
}
