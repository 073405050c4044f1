/**
 * Values that may be secrets, made safe for error lines: environment entries keep their name
 * and lose their value.
 *
 * @module
 */

/** `NAME=VALUE` as `NAME=***`; a word without `=` is returned as is. */
export function redactEnvEntry(entry: string): string {
  const eq = entry.indexOf("=");
  return eq < 0 ? entry : `${entry.slice(0, eq)}=***`;
}
