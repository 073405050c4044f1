/**
 * An explicit-bucket histogram in plain numbers, for the proxy's per-connection records: the
 * SDK's `record()` hashes attributes on every call (about 10 µs per connection); the SDK reads
 * this once per collection instead (`proxyHistogramProducer`).
 *
 * @module
 */

/** The state of one histogram series, cumulative since it was created. */
export class PlainHistogram {
  /** Upper bounds of the buckets (inclusive), ascending; one more bucket holds the rest. */
  readonly boundaries: readonly number[];
  /** Values per bucket: `counts[i]` holds `boundaries[i - 1] < v <= boundaries[i]`. */
  readonly counts: number[];
  /** Number of values recorded. */
  count = 0;
  /** Sum of the values recorded. */
  sum = 0;
  /** Smallest value recorded (`Infinity` before the first). */
  min = Infinity;
  /** Largest value recorded (`-Infinity` before the first). */
  max = -Infinity;

  /** @param boundaries ascending upper bucket bounds, as the SDK's `explicitBucketBoundaries` */
  constructor(boundaries: readonly number[]) {
    this.boundaries = boundaries;
    this.counts = new Array(boundaries.length + 1).fill(0);
  }

  /** Count `value` (a finite number: the proxy's durations always are). */
  record(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const boundaries = this.boundaries;
    let bucket = 0;
    while (bucket < boundaries.length && boundaries[bucket] < value) bucket++;
    this.counts[bucket]++;
  }
}
