/**
 * Operator control of automatic deploys, for any deploy mode: pause and resume, the pin a
 * rollback leaves, and the deploy history, all kept in the {@link StateStore} so they survive
 * restarts. The mode (container, service) asks {@link DeployControl.held} before deploying and
 * reports each deploy with {@link DeployControl.record}; `rollback.ts` drives a rollback
 * through the mode's own rollout.
 *
 * @module
 */
import { type Logger, silentLogger } from "../log.ts";
import { errorMessage } from "../errors.ts";
import type { Notifier } from "../notify/types.ts";
import { HISTORY_KEPT } from "./state-store.ts";
import { pausedMessage, pinnedMessage, resumedMessage, skippedMessage } from "./messages.ts";
import type { StateStore } from "./state-store.ts";
import type { ControlState, HistoryEntry, PauseState, Requester, VersionRef } from "./types.ts";

/** A request that cannot be carried out as asked; nothing changed. `status` is its HTTP status. */
export class ControlRequestError extends Error {
  /** 400 (malformed), 404 (unknown version), 409 (conflicts with the current state). */
  readonly status: 400 | 404 | 409;
  /** @param status HTTP status @param message what is wrong and what to do, one line */
  constructor(status: 400 | 404 | 409, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ControlRequestError";
    this.status = status;
  }
}

/** Told when automatic deploys are paused or resumed (the `dewy.deploy.paused` gauge). */
export interface PauseObserver {
  /** `paused`: whether automatic deploys are paused now. */
  pausedChanged(paused: boolean): void;
}

/** Options of {@link DeployControl}. */
export interface DeployControlOptions {
  /** Where the state is kept. */
  store: StateStore;
  /** The state loaded from it at start-up (`store.load()`). */
  state: ControlState;
  /** Time source (epoch ms). */
  clock: { now(): number };
  /** Logger. */
  logger?: Logger;
  /** Notifications of pause, resume and pin. */
  notifier?: Notifier;
  /** The paused gauge; absent when telemetry is off. */
  observer?: PauseObserver;
}

/**
 * The pause state and history of one app.
 *
 * @example
 * ```ts
 * const control = new DeployControl({ store, state: await store.load(), clock });
 * await control.pause({ by: "cli", reason: "incident 42" }, servingNow);
 * control.held(); // servingNow: automatic deploys keep it
 * await control.resume({ by: "cli" });
 * ```
 */
export class DeployControl {
  #store: StateStore;
  #state: ControlState;
  #clock: { now(): number };
  #logger: Logger;
  #notifier: Notifier | undefined;
  #observer: PauseObserver | undefined;
  /** The last change of the state; the next one starts after it. */
  #tail: Promise<unknown> = Promise.resolve();
  /** The digest whose skip was last notified (once per version and pause). */
  #skipNotified: string | undefined;

  /** @param options store, loaded state, clock, logger, notifier, observer */
  constructor(options: DeployControlOptions) {
    this.#store = options.store;
    this.#state = options.state;
    this.#clock = options.clock;
    this.#logger = options.logger ?? silentLogger;
    this.#notifier = options.notifier;
    this.#observer = options.observer;
    this.#observer?.pausedChanged(this.#state.pause !== undefined);
  }

  /** The pause in force, if any. */
  get pauseState(): Readonly<PauseState> | undefined {
    return this.#state.pause;
  }

  /**
   * While paused or pinned: the version that must keep serving (absent when nothing served at
   * the pause). `undefined` when automatic deploys run.
   */
  held(): VersionRef | undefined {
    return this.#state.pause?.target;
  }

  /** The last deploys, oldest first (at most {@link HISTORY_KEPT}). */
  history(): readonly HistoryEntry[] {
    return this.#state.history;
  }

  /** The newest deployed version whose digest is not `digest`: what a rollback goes back to. */
  previousVersion(digest: string | undefined): string | undefined {
    const entries = this.#state.history;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (entry.outcome === "deployed" && entry.digest !== digest) return entry.version;
    }
    return undefined;
  }

  /**
   * Pause automatic deploys, holding `serving`. Rejects with {@link ControlRequestError} (409)
   * when already paused, or with the store's error; either way nothing changed.
   */
  async pause(
    request: { by: Requester; reason: string },
    serving: VersionRef | undefined,
  ): Promise<PauseState> {
    const next = await this.#change((state) => {
      const current = state.pause;
      if (current) {
        const why = current.reason ? ` (${current.reason})` : "";
        throw new ControlRequestError(
          409,
          `already ${current.kind === "pin" ? "pinned" : "paused"} since ` +
            `${new Date(current.since).toISOString()}${why}; nothing changed ` +
            "(resume first to pause again)",
        );
      }
      const pause: PauseState = {
        kind: "pause",
        reason: request.reason,
        by: request.by,
        since: this.#clock.now(),
        ...(serving && { target: serving }),
      };
      return { ...state, pause };
    });
    const pause = next.pause!;
    this.#logger.warn("Automatic deploys paused", {
      by: request.by,
      reason: request.reason,
      holding: serving?.version ?? "(nothing deployed yet)",
    });
    void this.#notifier?.sendImportant(pausedMessage(pause));
    return pause;
  }

  /**
   * Pin `target` after a rollback (a pause that names the version). Replaces any pause in
   * force. Rejects with the store's error (the pin then holds in memory only).
   */
  async pin(target: VersionRef, request: { by: Requester; reason: string }): Promise<void> {
    const pause: PauseState = {
      kind: "pin",
      reason: request.reason,
      by: request.by,
      since: this.#clock.now(),
      target,
    };
    try {
      // The rollback already runs: it is held even when it cannot be saved.
      await this.#change((state) => ({ ...state, pause }), { keepUnsaved: true });
    } finally {
      this.#logger.warn("Pinned after a rollback: automatic deploys paused until resume", {
        version: target.version,
        by: request.by,
        reason: request.reason,
      });
      void this.#notifier?.sendImportant(pinnedMessage(pause));
    }
  }

  /**
   * Resume automatic deploys. Rejects with {@link ControlRequestError} (409) when not paused,
   * or with the store's error; either way nothing changed.
   */
  async resume(request: { by: Requester }): Promise<void> {
    let was: PauseState | undefined;
    await this.#change((state) => {
      was = state.pause;
      if (!was) {
        throw new ControlRequestError(409, "not paused; nothing changed (automatic deploys run)");
      }
      return { history: state.history };
    });
    this.#logger.info("Automatic deploys resumed", { by: request.by, was: was!.kind });
    void this.#notifier?.sendImportant(resumedMessage(request.by, was!));
  }

  /**
   * A check found `latest` while paused and did not deploy it: logged at each check, notified
   * once per version and pause.
   */
  skipped(latest: VersionRef): void {
    const pause = this.#state.pause;
    if (!pause) return;
    this.#logger.info(
      `Deploy skipped: automatic deploys are ${pause.kind === "pin" ? "pinned" : "paused"}`,
      { version: latest.version, holding: pause.target?.version ?? "", reason: pause.reason },
    );
    const key = `${pause.since}:${latest.digest}`;
    if (this.#skipNotified === key) return;
    this.#skipNotified = key;
    void this.#notifier?.send(skippedMessage(latest.version, pause));
  }

  /** Resolves when every change asked for so far (history entries too) is saved. */
  async settled(): Promise<void> {
    await this.#tail;
  }

  /** Add a finished deploy to the history; a store failure is logged, not thrown. */
  async record(entry: HistoryEntry): Promise<void> {
    try {
      await this.#change(
        (state) => ({ ...state, history: [...state.history, entry].slice(-HISTORY_KEPT) }),
        { keepUnsaved: true },
      );
    } catch (error) {
      this.#logger.error("Cannot save the deploy history", { error: errorMessage(error) });
    }
  }

  /**
   * Change the state: `make` computes the next state from the one in force (it may throw to
   * refuse), which is saved, then put in force. Changes run one at a time, so none is lost to
   * another one's save. A failed save changes nothing, unless `keepUnsaved`.
   */
  #change(
    make: (state: ControlState) => ControlState,
    options: { keepUnsaved?: boolean } = {},
  ): Promise<ControlState> {
    const turn = this.#tail.then(async () => {
      const next = make(this.#state);
      try {
        await this.#store.save(next);
      } catch (error) {
        if (options.keepUnsaved) this.#apply(next);
        throw error;
      }
      this.#apply(next);
      return next;
    });
    this.#tail = turn.catch(() => {});
    return turn;
  }

  #apply(next: ControlState): void {
    const wasPaused = this.#state.pause !== undefined;
    this.#state = next;
    const paused = next.pause !== undefined;
    if (paused !== wasPaused) this.#observer?.pausedChanged(paused);
  }
}
