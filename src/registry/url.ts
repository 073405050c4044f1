/**
 * `img://HOST[:PORT]/REPO[?pre-release=true&calver=FORMAT&constraint=RANGE&insecure=true]`
 * registry URLs.
 *
 * Docker Hub is normalised as docker does it: `docker.io`/`index.docker.io` are served by the
 * API host `registry-1.docker.io`, a one-segment repository gets `library/`, and a first
 * segment without a dot or port that is not `localhost` (`img://myuser/app`, `img://nginx`)
 * is a Docker Hub repository, not a host.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { parseBoolWord } from "../parse/bool.ts";
import { validateCalverFormat } from "./calver.ts";
import { parseConstraint, type VersionConstraint } from "./constraint.ts";

/** A validated `img://` URL: the image dewy deploys. */
export interface ImageRef {
  /** The URL as given. */
  url: string;
  /** Registry as the engine pulls from it (`127.0.0.1:5000`, `ghcr.io`, `docker.io`). */
  host: string;
  /** Base of the registry API (`http://127.0.0.1:5000`, `https://registry-1.docker.io`). */
  apiBase: string;
  /** Repository path (`myorg/app`, `library/nginx`). */
  repository: string;
  /** Whether pre-release tags are candidates (`pre-release=true`). */
  preRelease: boolean;
  /** Calver format; empty = semantic versioning. */
  calver: string;
  /** Semver range the candidates must lie in (`constraint=`); absent = every version. */
  constraint?: VersionConstraint;
  /** Plain HTTP to a registry that is not on the loopback interface (`insecure=true`). */
  insecure: boolean;
  /** Default app name: the last segment of the repository. */
  app: string;
}

/** Options of {@link parseImageUrl}. */
export interface ParseImageUrlOptions {
  /** `--calver` value, merged into the URL's `calver` parameter. */
  calver?: string;
}

const FLAG = "--registry";
const DOCKER_HUB = "docker.io";
const DOCKER_HUB_API = "registry-1.docker.io";
/** Every host name Docker Hub goes by (in image references and in `~/.docker/config.json`). */
export const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  DOCKER_HUB,
  "index.docker.io",
  DOCKER_HUB_API,
]);
const QUERY_KEYS = ["pre-release", "calver", "constraint", "insecure"];
const LABEL = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
const HOSTNAME = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])$`);
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

function fail(url: string, problem: string): never {
  throw new ConfigError(FLAG, `invalid registry URL "${url}": ${problem}`);
}

/** Whether `hostname` is the loopback interface (plain HTTP is used for it). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function parseBool(url: string, key: string, value: string): boolean {
  return parseBoolWord(value) ?? fail(url, `${key}=${value} must be true or false`);
}

function splitHost(url: string, authority: string): { hostname: string; port: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
  if (!m || !HOSTNAME.test(m[1])) return fail(url, `"${authority}" is not a valid registry host`);
  const port = m[2];
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) {
    return fail(url, `port "${port}" must be 1-65535`);
  }
  return { hostname: m[1], port: port ?? "" };
}

function parseQuery(url: string, query: string, options: ParseImageUrlOptions) {
  const params = new URLSearchParams(query);
  for (const key of new Set(params.keys())) {
    if (!QUERY_KEYS.includes(key)) {
      fail(url, `unknown parameter "${key}" (supported: ${QUERY_KEYS.join(", ")})`);
    }
    const given = params.getAll(key);
    if (given.length > 1) {
      const each = given.map((value) => `${key}=${value}`).join(", ");
      fail(url, `parameter "${key}" is given ${given.length} times (${each}); give it once`);
    }
  }
  const inUrl = params.get("calver") ?? "";
  const flag = options.calver ?? "";
  if (inUrl && flag && inUrl !== flag) {
    throw new ConfigError(
      "--calver",
      `--calver "${flag}" conflicts with calver=${inUrl} in ${url}: give it once`,
    );
  }
  const calver = flag || inUrl;
  if (calver) validateCalverFormat(calver);
  const range = params.get("constraint");
  if (range !== null && calver) {
    throw new ConfigError(
      "--calver",
      `constraint=${range} in ${url} cannot be used with calver ${calver}: ` +
        "there is no calendar-version range syntax; drop one of them",
    );
  }
  return {
    calver,
    ...(range !== null && { constraint: parseConstraint(range, url) }),
    preRelease: parseBool(url, "pre-release", params.get("pre-release") ?? "false"),
    insecure: parseBool(url, "insecure", params.get("insecure") ?? "false"),
  };
}

/**
 * Parse and validate an `img://` registry URL. Throws a `ConfigError` (flag `--registry`,
 * or `--calver` for the format) whose message names the bad value.
 *
 * @example
 * ```ts
 * parseImageUrl("img://ghcr.io/acme/api?pre-release=true").apiBase; // "https://ghcr.io"
 * parseImageUrl("img://nginx").repository; // "library/nginx" (Docker Hub)
 * ```
 */
export function parseImageUrl(url: string, options: ParseImageUrlOptions = {}): ImageRef {
  const m = /^img:\/\/([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(url.trim());
  if (!m) fail(url, "expected img://HOST[:PORT]/REPOSITORY[?pre-release=true&calver=FORMAT]");
  const authority = m[1].toLowerCase();
  let path = m[2] ?? "";
  if (authority === "") fail(url, "registry host is required");
  if (authority.includes("@")) {
    fail(url, "credentials do not belong in the URL; use DOCKER_USERNAME/DOCKER_PASSWORD");
  }
  let { hostname, port } = splitHost(url, authority);
  if (!hostname.includes(".") && !port && hostname !== "localhost" && !hostname.startsWith("[")) {
    path = path ? `${hostname}/${path}` : hostname;
    hostname = DOCKER_HUB;
  }
  if (path === "") fail(url, "repository path is required");
  const tagAt = path.search(/[:@]/);
  if (tagAt >= 0) {
    fail(
      url,
      `"${
        path.slice(tagAt)
      }" in the path: tags are not supported, dewy deploys the newest version tag`,
    );
  }
  if (!REPOSITORY.test(path)) {
    fail(
      url,
      `repository "${path}" must be lowercase path segments of a-z, 0-9 and . _ - separators`,
    );
  }
  const hub = DOCKER_HUB_ALIASES.has(hostname) && (!port || port === "443");
  const repository = hub && !path.includes("/") ? `library/${path}` : path;
  const host = hub ? DOCKER_HUB : port ? `${hostname}:${port}` : hostname;
  const apiHost = hub ? DOCKER_HUB_API : host;
  const query = parseQuery(url, m[3] ?? "", options);
  const scheme = query.insecure || isLoopbackHost(hostname) ? "http" : "https";
  return {
    url,
    host,
    apiBase: `${scheme}://${apiHost}`,
    repository,
    ...query,
    app: repository.slice(repository.lastIndexOf("/") + 1),
  };
}
