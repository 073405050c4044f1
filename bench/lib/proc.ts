/**
 * What the benchmark reads from `/proc` about a proxy: its process tree (nginx master and
 * worker, haproxy, one runtime process), CPU ticks used (utime + stime of every process in
 * the tree, all threads included) and resident memory (VmRSS summed over the tree).
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second (`getconf CLK_TCK`, 100 on Linux x86-64). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Fields 3.. of `/proc/PID/stat` (after the parenthesised command name), or null if gone. */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** `root` and every live descendant of it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (!fields) continue;
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** CPU ticks (user + system) used so far by the processes `pids`. */
export function cpuTicks(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** Resident memory of the processes `pids`, in MiB. */
export function rssMiB(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) kib += Number(match[1]);
    } catch { /* exited */ }
  }
  return kib / 1024;
}

/**
 * Samples the RSS of a process tree every `periodMs` while running; `peak` is the largest
 * sample seen since {@link RssSampler.start}.
 */
export class RssSampler {
  /** Largest RSS seen, MiB. */
  peak = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @param pids the processes to sum @param periodMs sampling period */
  constructor(readonly pids: readonly number[], readonly periodMs = 250) {}

  /** Start sampling (takes one sample at once). */
  start(): void {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.periodMs);
  }

  /** Stop sampling (takes a last sample); returns the peak. */
  stop(): number {
    clearInterval(this.#timer);
    this.#sample();
    return this.peak;
  }

  #sample(): void {
    this.peak = Math.max(this.peak, rssMiB(this.pids));
  }
}

/**
 * Nanoseconds on CPU so far of every thread of the processes `pids` (first field of
 * `/proc/PID/task/TID/schedstat`): exact where {@link cpuTicks} counts 10 ms ticks, so short
 * runs can be compared. Threads that ended before the call are not counted.
 */
export function cpuNanoseconds(pids: readonly number[]): number {
  let ns = 0;
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited
    }
    for (const tid of tasks) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch { /* thread ended */ }
    }
  }
  return ns;
}
