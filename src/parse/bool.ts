/**
 * Value parsers shared by the modules that own a URL or flag syntax (registry, notify).
 *
 * @module
 */

/** A URL parameter's boolean, read as Go Dewy reads it (Go's `strconv.ParseBool`). */
export function parseBoolWord(value: string): boolean | undefined {
  if (/^(true|t|1)$/i.test(value)) return true;
  if (/^(false|f|0)$/i.test(value)) return false;
  return undefined;
}
