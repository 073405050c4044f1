/**
 * Structured logging: one record per line on stderr, as `text` (logfmt, like Go's slog text
 * handler) or `json`. Every record has `time`, `level` and `msg`, plus attributes.
 *
 * @module
 */

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";
/** Output formats of `--log-format`. */
export type LogFormat = "text" | "json";
/** Attributes attached to a record. Values are printed as they are (errors by message). */
export type LogAttrs = Record<string, unknown>;

const SEVERITY: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The levels accepted by `--log-level`, for validation and help text. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Options of {@link Logger}. */
export interface LoggerOptions {
  /** Least severe level printed (default `info`). */
  level?: LogLevel;
  /** `text` (default) or `json`. */
  format?: LogFormat;
  /** Where lines go (default: `console.error`, i.e. stderr). */
  write?: (line: string) => void;
  /** Attributes added to every record (see {@link Logger.with}). */
  base?: LogAttrs;
  /** Clock for the `time` field (default: `Date.now`). */
  now?: () => number;
}

/**
 * A small structured logger.
 *
 * @example
 * ```ts
 * const log = new Logger({ level: "info", format: "json" });
 * log.info("Backend added to TCP proxy", { proxy_port: 8080, backend: "127.0.0.1:32768" });
 * ```
 */
export class Logger {
  #min: number;
  #format: LogFormat;
  #write: (line: string) => void;
  #base: LogAttrs;
  #now: () => number;

  /** @param options level, format, sink and base attributes */
  constructor(options: LoggerOptions = {}) {
    this.#min = SEVERITY[options.level ?? "info"];
    this.#format = options.format ?? "text";
    this.#write = options.write ?? ((line) => console.error(line));
    this.#base = options.base ?? {};
    this.#now = options.now ?? Date.now;
  }

  /** A logger that adds `attrs` to every record it prints. */
  with(attrs: LogAttrs): Logger {
    const child = new Logger({ write: this.#write, now: this.#now, format: this.#format });
    child.#min = this.#min;
    child.#base = { ...this.#base, ...attrs };
    return child;
  }

  /** Log at debug level. */
  debug(msg: string, attrs?: LogAttrs): void {
    if (this.#min <= 0) this.#emit("debug", msg, attrs);
  }
  /** Log at info level. */
  info(msg: string, attrs?: LogAttrs): void {
    if (this.#min <= 1) this.#emit("info", msg, attrs);
  }
  /** Log at warn level. */
  warn(msg: string, attrs?: LogAttrs): void {
    if (this.#min <= 2) this.#emit("warn", msg, attrs);
  }
  /** Log at error level. */
  error(msg: string, attrs?: LogAttrs): void {
    this.#emit("error", msg, attrs);
  }

  #emit(level: LogLevel, msg: string, attrs?: LogAttrs): void {
    const time = new Date(this.#now()).toISOString();
    const all = attrs ? { ...this.#base, ...attrs } : this.#base;
    if (this.#format === "json") {
      const record: LogAttrs = { time, level: level.toUpperCase(), msg };
      for (const [k, v] of Object.entries(all)) record[k] = plain(v);
      this.#write(JSON.stringify(record));
      return;
    }
    let line = `time=${time} level=${level.toUpperCase()} msg=${quote(msg)}`;
    for (const [k, v] of Object.entries(all)) line += ` ${k}=${quote(textOf(plain(v)))}`;
    this.#write(line);
  }
}

function plain(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  return value;
}

function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** A value as is when it is one plain word; quoted (control characters escaped) otherwise. */
function quote(s: string): string {
  return /^[^\s"=\p{Cc}]+$/u.test(s) ? s : JSON.stringify(s);
}

/** A logger that prints nothing (library use and tests). */
export const silentLogger: Logger = new Logger({ level: "error", write: () => {} });
