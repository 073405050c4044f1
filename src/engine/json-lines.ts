/**
 * Newline-delimited JSON streams of the Engine API (pull progress, events): one object
 * per line, lines may be split across chunks, `\r\n` or `\n` separated.
 *
 * @module
 */
import { EngineError } from "./errors.ts";

/**
 * Yield each JSON value of a newline-delimited stream as it arrives.
 *
 * @param body the response body
 * @param operation what was asked, for the error of a malformed line
 * @throws {EngineError} (`malformed`) on a line that is not JSON
 */
export async function* readJsonLines(
  body: ReadableStream<Uint8Array>,
  operation: string,
): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const lines = buffered.split("\n");
      buffered = done ? "" : lines.pop()!;
      for (const line of lines) {
        const text = line.trim();
        if (text) yield parseLine(text, operation);
      }
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function parseLine(text: string, operation: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw EngineError.malformed(operation, 200, `stream line is not JSON: ${text.slice(0, 120)}`);
  }
}
