/**
 * Where operator control is kept across restarts (a crash, `kill -9`, an upgrade): one JSON
 * file per app, `<state dir>/<app>.json`, replaced atomically (write a temporary file, flush
 * it, rename it over the old one), so a dewy killed mid-write leaves the old state or the new,
 * never half of one, and two dewy of different apps on one host never share a file.
 *
 * @module
 */
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { ConfigError, errorCode, errorMessage } from "../errors.ts";
import type { ControlState, HistoryEntry, PauseState, VersionRef } from "./types.ts";

/** Deploys kept in the history (`GET /api/history`, `dewy container history`). */
export const HISTORY_KEPT = 50;

/** The state directory and where that choice came from (for messages). */
export interface StateDir {
  /** Absolute path. */
  path: string;
  /** `--state-dir`, `$STATE_DIRECTORY`, `$XDG_STATE_HOME` or `~/.local/state`. */
  source: string;
}

/**
 * The state directory: `--state-dir`, else systemd's `$STATE_DIRECTORY` (`StateDirectory=dewy`;
 * its first entry), else `$XDG_STATE_HOME/dewy`, else `~/.local/state/dewy`.
 */
export function resolveStateDir(
  flag: string | undefined,
  env: (name: string) => string | undefined,
  homeDir: string,
): StateDir {
  if (flag) return { path: flag, source: "--state-dir" };
  const systemd = env("STATE_DIRECTORY")?.split(":")[0];
  if (systemd) return { path: systemd, source: "$STATE_DIRECTORY" };
  const xdg = env("XDG_STATE_HOME");
  if (xdg) return { path: join(xdg, "dewy"), source: "$XDG_STATE_HOME" };
  return { path: join(homeDir, ".local", "state", "dewy"), source: "~/.local/state" };
}

/** The state file cannot be read, parsed or written. */
export class StateFileError extends ConfigError {
  /** @param message what failed, naming the file, and what to do */
  constructor(message: string, options?: ErrorOptions) {
    super("--state-dir", message, options);
    this.name = "StateFileError";
  }
}

/**
 * One app's state file.
 *
 * @example
 * ```ts
 * const store = new StateStore(resolveStateDir(undefined, env, runtime.homeDir()), "api");
 * const state = await store.load();      // fails at start-up when the directory is unwritable
 * await store.save({ ...state, pause });
 * ```
 */
export class StateStore {
  /** The file's path. */
  readonly file: string;
  readonly #dir: StateDir;

  /** @param dir the state directory @param app the app name (the file is `<app>.json`) */
  constructor(dir: StateDir, app: string) {
    this.#dir = dir;
    this.file = join(dir.path, `${app}.json`);
  }

  /**
   * Read the state (empty when there is no file yet) and write it back, so a directory dewy
   * cannot write fails here, at start-up, not at the first pause. Rejects with
   * {@link StateFileError}.
   */
  async load(): Promise<ControlState> {
    let text: string | undefined;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      // No file yet (or no directory: the write below says what is wrong with it).
      const missing = errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR";
      if (!missing) throw this.#failed("read", error);
    }
    const state = text === undefined ? { history: [] } : this.#parse(text);
    await this.save(state);
    return state;
  }

  /** Replace the file atomically with `state`. Rejects with {@link StateFileError}. */
  async save(state: ControlState): Promise<void> {
    const temporary = `${this.file}.${randomUUID()}.tmp`;
    try {
      await mkdir(this.#dir.path, { recursive: true, mode: 0o700 });
      const handle = await open(temporary, "w", 0o600);
      try {
        await handle.writeFile(JSON.stringify(state, null, 2) + "\n");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.file);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => {});
      throw this.#failed("write", error);
    }
  }

  #failed(what: "read" | "write", error: unknown): StateFileError {
    return new StateFileError(
      `cannot ${what} the state file ${this.file} (state directory from ${this.#dir.source}): ` +
        `${errorMessage(error)}; give a directory dewy can write with --state-dir`,
      { cause: error },
    );
  }

  #parse(text: string): ControlState {
    try {
      const raw = JSON.parse(text) as Partial<ControlState> | null;
      if (raw === null || typeof raw !== "object" || !Array.isArray(raw.history ?? [])) {
        throw new Error("not a dewy state object");
      }
      return {
        ...(raw.pause && { pause: checkPause(raw.pause) }),
        history: (raw.history ?? []).map(checkEntry).slice(-HISTORY_KEPT),
      };
    } catch (error) {
      throw new StateFileError(
        `the state file ${this.file} is damaged (${errorMessage(error)}); ` +
          "fix it or remove it (a removed file forgets the pause and the history)",
        { cause: error },
      );
    }
  }
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bad ${what}`);
}

function checkRef(ref: VersionRef): VersionRef {
  need(typeof ref?.version === "string" && typeof ref.digest === "string", "version");
  need(typeof ref.image === "string", "image");
  return { version: ref.version, digest: ref.digest, image: ref.image };
}

function checkPause(pause: PauseState): PauseState {
  need(pause.kind === "pause" || pause.kind === "pin", "pause kind");
  need(pause.by === "cli" || pause.by === "api", "pause requester");
  need(typeof pause.reason === "string" && typeof pause.since === "number", "pause");
  return { ...pause, ...(pause.target && { target: checkRef(pause.target) }) };
}

function checkEntry(entry: HistoryEntry): HistoryEntry {
  need(typeof entry?.version === "string" && typeof entry.startedAt === "number", "history");
  return entry;
}
