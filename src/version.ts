/**
 * dewy's version: the one place it is written. `package.json` and `deno.json` carry the same
 * value (a test checks), `compile.ts` stamps it into the executable's name of the release.
 *
 * @module
 */

/** dewy's release version (SemVer). */
export const VERSION = "0.1.0";
