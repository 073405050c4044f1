/**
 * Typed registry failures. The deploy loop decides what to do (back off, retry, alert) from
 * the class and the fields; the message is one actionable line for operators.
 *
 * @module
 */

/** Options shared by every {@link RegistryError}. */
export interface RegistryErrorOptions extends ErrorOptions {
  /** HTTP status of the failing response, when there was one. */
  status?: number;
}

/** Any failure talking to an image registry or choosing a version from it. */
export class RegistryError extends Error {
  /** HTTP status of the failing response; `undefined` for network errors and bad content. */
  readonly status: number | undefined;
  /** @param message what failed, with the value, and what to do */
  constructor(message: string, options: RegistryErrorOptions = {}) {
    super(message, options);
    this.name = "RegistryError";
    this.status = options.status;
  }
}

/** The registry (or its token server) refused the credentials, or none were given (401/403). */
export class RegistryAuthError extends RegistryError {
  /** @param message what was refused and where */
  constructor(message: string, options: RegistryErrorOptions = {}) {
    super(`${message}: check DOCKER_USERNAME/DOCKER_PASSWORD or ~/.docker/config.json`, options);
    this.name = "RegistryAuthError";
  }
}

/** The repository (or a tag of it) does not exist on the registry (404). */
export class RegistryNotFoundError extends RegistryError {
  /** @param message what was not found, naming the repository */
  constructor(message: string, options: RegistryErrorOptions = {}) {
    super(message, options);
    this.name = "RegistryNotFoundError";
  }
}

/** The registry answered 429; `retryAfterMs` says how long it wants us to wait, if it said. */
export class RegistryRateLimitedError extends RegistryError {
  /** Milliseconds from `Retry-After` (seconds or an HTTP date); `undefined` when absent. */
  readonly retryAfterMs: number | undefined;
  /** @param message what was rate limited @param retryAfterMs wait asked for by the registry */
  constructor(
    message: string,
    retryAfterMs: number | undefined,
    options: RegistryErrorOptions = {},
  ) {
    super(message, options);
    this.name = "RegistryRateLimitedError";
    this.retryAfterMs = retryAfterMs;
  }
}

/** The registry is down, unreachable, too slow (timeout) or answered 5xx: try again later. */
export class RegistryUnavailableError extends RegistryError {
  /** @param message what was unreachable and why */
  constructor(message: string, options: RegistryErrorOptions = {}) {
    super(message, options);
    this.name = "RegistryUnavailableError";
  }
}

/** The registry answered something dewy cannot use (unexpected status, bad JSON, no digest). */
export class RegistryProtocolError extends RegistryError {
  /** @param message what was wrong with the answer */
  constructor(message: string, options: RegistryErrorOptions = {}) {
    super(message, options);
    this.name = "RegistryProtocolError";
  }
}

/** An answer's body was larger than dewy reads into memory. */
export class RegistryTooLargeError extends RegistryProtocolError {
  /** The cap in bytes that was crossed. */
  readonly limit: number;
  /** @param message what was too large @param limit the cap in bytes */
  constructor(message: string, limit: number, options: RegistryErrorOptions = {}) {
    super(message, options);
    this.name = "RegistryTooLargeError";
    this.limit = limit;
  }
}

/** The repository has tags, but none is a version under the configured scheme. */
export class NoVersionFoundError extends RegistryError {
  /** Every tag the registry listed, in registry order. */
  readonly tags: readonly string[];
  /** @param message where nothing matched @param tags the tags seen */
  constructor(message: string, tags: readonly string[]) {
    super(message);
    this.name = "NoVersionFoundError";
    this.tags = tags;
  }
}

/**
 * The repository has versions, but none in the `constraint=` range; `newest` is the newest
 * version outside it (what would be deployed without the constraint).
 */
export class ConstraintUnmatchedError extends RegistryError {
  /** The range (`^1.4`). */
  readonly constraint: string;
  /** The newest version tag outside the range. */
  readonly newest: string;
  /** @param where `host/repository` @param constraint the range @param newest newest tag outside it */
  constructor(where: string, constraint: string, newest: string) {
    super(
      `no tag of ${where} matches constraint ${constraint} (newest outside it: ${newest}); ` +
        "the running version keeps serving: push a matching tag or widen the constraint",
    );
    this.name = "ConstraintUnmatchedError";
    this.constraint = constraint;
    this.newest = newest;
  }
}
