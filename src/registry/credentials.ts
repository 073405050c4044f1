/**
 * Registry credentials, in order: `DOCKER_USERNAME`/`DOCKER_PASSWORD` (any registry),
 * `GITHUB_TOKEN` (ghcr.io), then the `auths` of `~/.docker/config.json` (or
 * `$DOCKER_CONFIG/config.json`), as `auth` (base64 `user:password`) or `username`/`password`.
 * Credential helpers (`credsStore`, `credHelpers`) are not run.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { ConfigError } from "../errors.ts";
import { DOCKER_HUB_ALIASES } from "./url.ts";

/** A user name and password (or token) for one registry. */
export interface Credentials {
  /** User name (`token` for a `GITHUB_TOKEN`). */
  username: string;
  /** Password or access token. */
  password: string;
}

/** Where credentials come from; injectable for tests. */
export interface CredentialSources {
  /** Reads an environment variable. */
  env: (name: string) => string | undefined;
  /** The user's home directory (`~`). */
  homeDir: string;
}

/** `https://index.docker.io/v1/` → `docker.io`; `HOST:PORT/…` → `host:port`. */
function registryKey(value: string): string {
  const host = value.replace(/^[a-z]+:\/\//i, "").split("/")[0].toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? "docker.io" : host;
}

function fromEntry(entry: unknown, path: string, key: string): Credentials | undefined {
  const bad = (what: string): never => {
    throw new ConfigError(
      path,
      `${path}: auths["${key}"] ${what}: fix the entry or run docker login again`,
    );
  };
  if (typeof entry !== "object" || entry === null) return bad("is not an object");
  const { auth, username, password } = entry as Record<string, unknown>;
  if (typeof auth === "string" && auth !== "") {
    const decoded = Buffer.from(auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) return bad(`has an "auth" that is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof username === "string" && typeof password === "string" && username && password) {
    return { username, password };
  }
  return undefined;
}

/** Credentials of `host` from a docker config file, `undefined` if the file or entry is absent. */
async function fromDockerConfig(host: string, path: string): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw new ConfigError(
      path,
      `cannot read ${path}: ${(error as Error).message}; ` +
        `fix its permissions or point DOCKER_CONFIG at a readable directory`,
      { cause: error },
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      path,
      `${path} is not valid JSON (${(error as Error).message}): fix or remove it`,
      {
        cause: error,
      },
    );
  }
  const auths = (config as { auths?: Record<string, unknown> } | null)?.auths ?? {};
  const wanted = registryKey(host);
  for (const [key, entry] of Object.entries(auths)) {
    if (registryKey(key) === wanted) return fromEntry(entry, path, key);
  }
  return undefined;
}

/**
 * The credentials for registry `host` (as the engine names it: `docker.io`, `ghcr.io`,
 * `127.0.0.1:5000`), or `undefined` for anonymous access. Rejects with a `ConfigError`
 * when the docker config file exists but cannot be used.
 */
export async function resolveCredentials(
  host: string,
  sources: CredentialSources,
): Promise<Credentials | undefined> {
  const username = sources.env("DOCKER_USERNAME");
  const password = sources.env("DOCKER_PASSWORD");
  if (username && password) return { username, password };
  const githubToken = sources.env("GITHUB_TOKEN");
  if (githubToken && registryKey(host) === "ghcr.io") {
    return { username: "token", password: githubToken };
  }
  const dir = sources.env("DOCKER_CONFIG") || join(sources.homeDir, ".docker");
  return await fromDockerConfig(host, join(dir, "config.json"));
}
