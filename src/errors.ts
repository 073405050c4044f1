/**
 * The error classes dewy shows to operators. Each message says what failed, with the
 * value, and what to do next; `cause` keeps the underlying error.
 *
 * @module
 */

/**
 * A bad command-line flag, registry URL, calver format, notifier URL or passthrough option.
 * The CLI prints the message on one line and exits with code 2.
 */
export class ConfigError extends Error {
  /** The flag or value at fault, e.g. `--port`. */
  readonly flag: string;
  /** @param flag the flag at fault @param message what is wrong and what to do */
  constructor(flag: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
    this.flag = flag;
  }
}

/** A failure at run time (engine unreachable, port in use): the CLI exits with code 1. */
export class RuntimeFailure extends Error {
  /** @param message what failed and what to do */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RuntimeFailure";
  }
}

/** `text` on one line: runs of whitespace (newlines too) collapsed to one space, trimmed. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** The message of any thrown value, for logs. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The `code` of `error` (`EADDRINUSE`, `ENOENT`, `EAUTH`, …) as Node, Bun and Deno set it. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The deepest `cause` of `error` as text, prefixed with the first `code` found on it or on
 * `error` (Bun puts `ECONNREFUSED` in `code`; Deno says `(os error 111)` in a nested message),
 * for matching the runtime-specific texts of network and socket failures.
 *
 * @example `rootCause(fetchError).text` → `"ECONNREFUSED Unable to connect. Is the computer able to access the url?"`
 */
export function rootCause(error: unknown): { message: string; text: string } {
  let current = error;
  while ((current as Error)?.cause !== undefined) current = (current as Error).cause;
  const message = current instanceof Error ? current.message : String(current);
  const code = String(
    (current as { code?: unknown })?.code ?? (error as { code?: unknown })?.code ?? "",
  );
  return { message, text: `${code} ${message}` };
}
