/**
 * Reading an HTTP body into memory without trusting its size: whatever answers (a registry, a
 * port in the admin range) may stream more than any real answer holds.
 *
 * @module
 */

/**
 * The body of `response`, or `undefined` when it is larger than `limit` bytes (the rest is
 * cancelled, not read). Rejects when the stream fails.
 */
export async function readBodyAtMost(
  response: Response,
  limit: number,
): Promise<Uint8Array | undefined> {
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
