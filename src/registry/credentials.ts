/**
 * Registry credentials, in order: `DOCKER_USERNAME`/`DOCKER_PASSWORD` (any registry),
 * `GITHUB_TOKEN` (ghcr.io), then the `auths` of `~/.docker/config.json` (or
 * `$DOCKER_CONFIG/config.json`), as `auth` (base64 `user:password`) or `username`/`password`.
 * Credential helpers (`credsStore`, `credHelpers`) are not run; credentials set up in a way
 * dewy cannot use come back as warnings (see `credential-gaps.ts`).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { ConfigError, errorCode } from "../errors.ts";
import {
  dockerConfigGap,
  type DockerConfigStores,
  environmentGaps,
  PASSWORD_VARIABLE,
  USERNAME_VARIABLE,
} from "./credential-gaps.ts";
import { DOCKER_HUB_ALIASES } from "./url.ts";

/** A user name and password (or token) for one registry. */
export interface Credentials {
  /** User name (`token` for a `GITHUB_TOKEN`). */
  username: string;
  /** Password or access token. */
  password: string;
}

/** The credentials of one registry, if any, and what was set up but cannot be used. */
export interface ResolvedCredentials {
  /** What to log in with; `undefined` means anonymous access. */
  credentials?: Credentials;
  /** One line per unusable setting: what is missing or unsupported and what to do. */
  warnings: string[];
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

/** The first key of `record` that names registry `wanted` (keys normalised). */
function keyOf(record: unknown, wanted: string): string | undefined {
  if (typeof record !== "object" || record === null) return undefined;
  return Object.keys(record).find((key) => registryKey(key) === wanted);
}

/** Credentials of `host` from a docker config file; none if the file or entry is absent. */
async function fromDockerConfig(host: string, path: string): Promise<ResolvedCredentials> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return { warnings: [] };
    throw new ConfigError(
      path,
      `cannot read ${path}: ${(error as Error).message}; ` +
        `fix its permissions or point DOCKER_CONFIG at a readable directory`,
      { cause: error },
    );
  }
  let config: (DockerConfigStores & { auths?: Record<string, unknown> }) | null;
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
  const wanted = registryKey(host);
  const entryKey = keyOf(config?.auths, wanted);
  const credentials = entryKey === undefined
    ? undefined
    : fromEntry(config!.auths![entryKey], path, entryKey);
  if (credentials) return { credentials, warnings: [] };
  const helperKey = keyOf(config?.credHelpers, wanted);
  const gap = dockerConfigGap(path, host, config ?? {}, { helperKey, entryKey });
  return { warnings: gap ? [gap] : [] };
}

/**
 * The credentials for registry `host` (as the engine names it: `docker.io`, `ghcr.io`,
 * `127.0.0.1:5000`) — none for anonymous access — and warnings about credentials that were
 * set up but cannot be used (log them at start-up). Rejects with a `ConfigError` when the
 * docker config file exists but cannot be read, is not JSON, or has a malformed `auths` entry.
 */
export async function resolveCredentials(
  host: string,
  sources: CredentialSources,
): Promise<ResolvedCredentials> {
  const username = sources.env(USERNAME_VARIABLE);
  const password = sources.env(PASSWORD_VARIABLE);
  if (username && password) return { credentials: { username, password }, warnings: [] };
  const warnings = environmentGaps(host, sources.env);
  const githubToken = sources.env("GITHUB_TOKEN");
  if (githubToken && registryKey(host) === "ghcr.io") {
    return { credentials: { username: "token", password: githubToken }, warnings };
  }
  const dir = sources.env("DOCKER_CONFIG") || join(sources.homeDir, ".docker");
  const fromFile = await fromDockerConfig(host, join(dir, "config.json"));
  return { credentials: fromFile.credentials, warnings: [...warnings, ...fromFile.warnings] };
}
