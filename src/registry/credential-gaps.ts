/**
 * Credentials an operator set up that dewy cannot use, as one-line warnings saying what is
 * missing or unsupported and what to do: half of `DOCKER_USERNAME`/`DOCKER_PASSWORD`, the
 * Go Dewy's `AWS_ECR_PASSWORD`/`GCR_TOKEN`, and docker config entries whose login is
 * kept by a credential helper (which dewy does not run).
 *
 * @module
 */

/** The credential pair of the environment, for any registry. */
export const USERNAME_VARIABLE = "DOCKER_USERNAME";
/** The password (or token) half of {@link USERNAME_VARIABLE}. */
export const PASSWORD_VARIABLE = "DOCKER_PASSWORD";

/** Variables of Go Dewy's `docker login` that dewy does not read, by registry. */
const LEGACY: readonly { name: string; username: string; serves: (host: string) => boolean }[] = [
  {
    name: "AWS_ECR_PASSWORD",
    username: "AWS",
    serves: (host) => host.includes(".ecr.") && host.includes(".amazonaws.com"),
  },
  {
    name: "GCR_TOKEN",
    username: "_json_key",
    serves: (host) => host.includes("gcr.io") || host.includes("-docker.pkg.dev"),
  },
];

/**
 * Warnings about the environment's credentials for registry `host`: one of
 * `DOCKER_USERNAME`/`DOCKER_PASSWORD` without the other (neither is used), or a variable of the
 * Go Dewy for this registry while the pair is not set.
 */
export function environmentGaps(host: string, env: (name: string) => string | undefined): string[] {
  const username = env(USERNAME_VARIABLE);
  const password = env(PASSWORD_VARIABLE);
  if (username && password) return [];
  const warnings: string[] = [];
  if (username || password) {
    const [set, unset] = username
      ? [USERNAME_VARIABLE, PASSWORD_VARIABLE]
      : [PASSWORD_VARIABLE, USERNAME_VARIABLE];
    warnings.push(
      `${set} is set but ${unset} is not, so neither is used: set ${unset} too, or unset ${set}`,
    );
  }
  for (const legacy of LEGACY) {
    if (env(legacy.name) && legacy.serves(host)) {
      warnings.push(
        `${legacy.name} is not read by dewy (only the original Dewy used it): set ` +
          `${USERNAME_VARIABLE}=${legacy.username} and ${PASSWORD_VARIABLE} to its value instead`,
      );
    }
  }
  return warnings;
}

/** The parts of a docker `config.json` that say where its logins are kept. */
export interface DockerConfigStores {
  /** Helper for every registry (`desktop`, `pass`, `secretservice`, ...). */
  credsStore?: unknown;
  /** Helper per registry (`{"123.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"}`). */
  credHelpers?: unknown;
}

/**
 * The warning for a docker config at `path` that has no usable login for `host`, or
 * `undefined` when it says nothing about `host`. `helperKey` is the `credHelpers` key that
 * names `host`, `entryKey` the `auths` key of `host` (an entry without `auth` or
 * username/password).
 */
export function dockerConfigGap(
  path: string,
  host: string,
  config: DockerConfigStores,
  keys: { helperKey?: string; entryKey?: string },
): string | undefined {
  const helpers = config.credHelpers as Record<string, unknown> | undefined;
  const helper = keys.helperKey !== undefined
    ? { name: helpers?.[keys.helperKey], field: `credHelpers["${keys.helperKey}"]` }
    : keys.entryKey !== undefined && typeof config.credsStore === "string" && config.credsStore
    ? { name: config.credsStore, field: "credsStore" }
    : undefined;
  const pair = `${USERNAME_VARIABLE}/${PASSWORD_VARIABLE}`;
  if (helper) {
    return `${path}: the login for ${host} is kept by docker-credential-${helper.name} ` +
      `(${helper.field}), and dewy does not run credential helpers: set ${pair}, or point ` +
      `DOCKER_CONFIG at a directory whose config.json has an "auth" for ${host}`;
  }
  if (keys.entryKey !== undefined) {
    return `${path}: auths["${keys.entryKey}"] has no "auth" or username/password: ` +
      `run docker login ${host} again, or set ${pair}`;
  }
  return undefined;
}
