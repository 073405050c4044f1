/**
 * `GET /events`: the engine's container event stream, filtered by labels, until aborted.
 *
 * @module
 */
import { decodeEvent } from "./decode.ts";
import { EngineError } from "./errors.ts";
import { readJsonLines } from "./json-lines.ts";
import type { EngineTransport } from "./transport.ts";
import type { EngineEvent } from "./types.ts";

/** The `label` filter values (`k=v`) for a label map. */
export function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([key, value]) => `${key}=${value}`);
}

/**
 * Stream container events whose labels match all of `labels`, calling `onEvent` for each,
 * until `signal` aborts (then resolve).
 * @throws {EngineError} when the engine ends the stream by itself (e.g. it restarted): subscribe again
 */
export async function streamEvents(
  transport: EngineTransport,
  labels: Record<string, string>,
  onEvent: (event: EngineEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const operation = "stream container events";
  const filters = { type: ["container"], label: labelFilter(labels) };
  try {
    const response = await transport.stream(operation, {
      path: "/events",
      query: { filters: JSON.stringify(filters) },
      signal,
    });
    if (response.body) {
      for await (const line of readJsonLines(response.body, operation)) {
        const event = decodeEvent(line, operation);
        if (event) onEvent(event);
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    throw transport.streamFailure(operation, error, signal);
  }
  if (!signal.aborted) throw EngineError.streamed(operation, "the engine closed the event stream");
}
