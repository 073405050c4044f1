/**
 * Environments for tests: a variable lookup shaped like `runtime.env`, over a fixed set of
 * variables instead of the process environment.
 *
 * @module
 */

/** A lookup of environment variables by name. */
export type Env = (name: string) => string | undefined;

/** No environment variables. */
export const noEnv: Env = () => undefined;

/** An environment holding exactly `vars`. */
export const envOf = (vars: Record<string, string>): Env => (name) => vars[name];
