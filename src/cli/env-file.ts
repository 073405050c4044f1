/**
 * Reading `-- --env-file PATH`: a regular file of at most {@link ENV_FILE_MAX_BYTES}, checked
 * before it is opened, so that a device (`/dev/zero`), a FIFO or a huge file cannot hang
 * dewy's start or fill its memory.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";

/** Largest `--env-file` dewy reads: 1 MiB (real ones are a few KiB). */
export const ENV_FILE_MAX_BYTES = 1024 * 1024;

/** An `--env-file` dewy will not read; the message says why, for the option's error line. */
export class EnvFileError extends Error {
  /** @param message what is wrong with the file */
  constructor(message: string) {
    super(message);
    this.name = "EnvFileError";
  }
}

/** What `stat` says `path` is, for the message: `a directory`, `a character device`, … */
function kind(stat: ReturnType<typeof statSync>): string {
  if (stat?.isDirectory()) return "a directory";
  if (stat?.isCharacterDevice()) return "a character device";
  if (stat?.isBlockDevice()) return "a block device";
  if (stat?.isFIFO()) return "a FIFO";
  if (stat?.isSocket()) return "a socket";
  return "not a file";
}

/**
 * The text of the env file at `path` (UTF-8). Throws an {@link EnvFileError} when it is not a
 * regular file or is larger than {@link ENV_FILE_MAX_BYTES}; the `node:fs` error when it
 * cannot be read.
 */
export function readEnvFile(path: string): string {
  const stat = statSync(path);
  if (!stat.isFile()) throw new EnvFileError(`not a regular file (${kind(stat)})`);
  if (stat.size > ENV_FILE_MAX_BYTES) throw new EnvFileError("larger than 1 MiB");
  const fd = openSync(path, "r");
  try {
    // The file may have been swapped or grown since the stat: read no more than the cap.
    if (!fstatSync(fd).isFile()) throw new EnvFileError("not a regular file");
    const buffer = new Uint8Array(ENV_FILE_MAX_BYTES + 1);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buffer, size, buffer.length - size, null);
      if (n === 0) break;
      size += n;
      if (size > ENV_FILE_MAX_BYTES) throw new EnvFileError("larger than 1 MiB");
    }
    return new TextDecoder().decode(buffer.subarray(0, size));
  } finally {
    closeSync(fd);
  }
}
