/**
 * Text from whatever answers on a port, made safe to print on a terminal.
 *
 * @module
 */

/** C0/C1 controls (CR, LF, ESC, BEL …) and the bidirectional overrides that reorder a line. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` without the characters that could move the cursor or forge lines on a terminal. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, "");
}
