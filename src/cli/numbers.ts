/**
 * Whole numbers and durations from flag values, with messages that name the flag: the one
 * duration parser of the CLI.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** Bounds of {@link parseWholeNumber} and {@link parseDurationMs}. */
export interface NumberRange {
  /** Smallest accepted value. */
  min: number;
  /** Largest accepted value. */
  max: number;
}

/** Largest second count a timer can wait for (2^31-1 ms), about 24.8 days. */
export const MAX_SECONDS = Math.floor(0x7fff_ffff / 1000);

function checkRange(
  flag: string,
  raw: string,
  value: number,
  range: NumberRange,
  unit: string,
): number {
  if (value >= range.min && value <= range.max) return value;
  throw new ConfigError(flag, `${flag} must be ${range.min}-${range.max}${unit}, got "${raw}"`);
}

/** A decimal whole number within `range`, e.g. `--replicas 3`. */
export function parseWholeNumber(flag: string, raw: string, range: NumberRange): number {
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) {
    throw new ConfigError(flag, `${flag} must be a whole number like ${range.min}, got "${raw}"`);
  }
  return checkRange(flag, raw, Number(text), range, "");
}

/**
 * A number of seconds: a whole number (`30`) or a Go-style duration of whole hours, minutes
 * and seconds (`30s`, `5m`, `1h30m`), within `range`.
 */
function parseSeconds(flag: string, raw: string, range: NumberRange): number {
  const text = raw.trim();
  if (/^-?\d+$/.test(text)) return checkRange(flag, raw, Number(text), range, " seconds");
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === "") {
    throw new ConfigError(
      flag,
      `${flag} must be whole seconds like 30 or a duration like 45s, 5m, 1h30m; got "${raw}"`,
    );
  }
  const [, hours = "0", minutes = "0", seconds = "0"] = m;
  return checkRange(
    flag,
    raw,
    Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds),
    range,
    " seconds",
  );
}

/**
 * A duration as milliseconds: seconds as {@link parseSeconds} reads them (`30`, `5m`), or,
 * with `millis`, whole milliseconds (`500ms`). `range` is in seconds.
 */
export function parseDurationMs(
  flag: string,
  raw: string,
  range: NumberRange,
  options: { millis?: boolean } = {},
): number {
  const ms = options.millis ? /^\s*(\d+)ms\s*$/.exec(raw) : null;
  if (!ms) return parseSeconds(flag, raw, range) * 1000;
  return parseWholeNumber(flag, ms[1], { min: range.min * 1000, max: range.max * 1000 });
}
