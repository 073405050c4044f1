/**
 * Bearer tokens from a registry's token server (distribution token spec): `GET realm` with
 * `service` and `scope`, Basic auth when credentials are known, answer `token`/`access_token`
 * with `expires_in`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Credentials } from "./credentials.ts";
import { RegistryProtocolError } from "./errors.ts";
import { readJsonObject, responseError, send, type SendOptions } from "./http.ts";
import { checkRealm } from "./realm-guard.ts";

/** Lifetime of a registry bearer token that gives no `expires_in` (distribution token spec: 60 s). */
const REGISTRY_TOKEN_TTL_S = 60;
/** A cached registry bearer token is renewed this long before it expires. */
const REGISTRY_TOKEN_EARLY_RENEW_MS = 5_000;

/** A token and when to stop using it. */
export interface BearerToken {
  /** The opaque token for `Authorization: Bearer …`. */
  token: string;
  /** Epoch milliseconds after which a new token is fetched. */
  renewAt: number;
}

/** Options of {@link fetchToken}. */
export interface FetchTokenOptions extends SendOptions {
  /** Sent as Basic auth to the token server when present. */
  credentials?: Credentials;
  /** Base URL of the registry that issued the challenge (for the realm guard). */
  registry: URL;
  /** Clock (default `Date.now`). */
  now?: () => number;
}

/** `Basic …` header value for `credentials`. */
export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${
    Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")
  }`;
}

/** Fetch a token for a `Bearer` challenge's parameters (`realm`, `service`, `scope`). */
export async function fetchToken(
  params: Record<string, string>,
  options: FetchTokenOptions,
): Promise<BearerToken> {
  const refuse = (why: string): never => {
    throw new RegistryProtocolError(`bearer challenge of ${options.registry.host}: ${why}`);
  };
  if (!params.realm) refuse("no realm");
  let url: URL;
  try {
    url = new URL(params.realm);
  } catch {
    return refuse(`realm "${params.realm}" is not a URL`);
  }
  await checkRealm(url, options.registry, options.lookup);
  if (params.service) url.searchParams.set("service", params.service);
  for (const scope of (params.scope ?? "").split(" ").filter(Boolean)) {
    url.searchParams.append("scope", scope);
  }
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.credentials) headers.authorization = basicAuthorization(options.credentials);
  const now = options.now ?? Date.now;
  const response = await send(url, { headers }, { ...options, peer: "token server" });
  const action = `token from ${url.origin}${url.pathname}`;
  if (!response.ok) {
    throw await responseError(response, {
      action,
      notFound: `token endpoint not found: ${url.href}`,
    }, now());
  }
  const body = await readJsonObject(response, action);
  const token = typeof body.token === "string" && body.token ? body.token : body.access_token;
  if (typeof token !== "string" || !token) {
    throw new RegistryProtocolError(`${action}: answer has no token`);
  }
  const ttlS = typeof body.expires_in === "number" && body.expires_in > 0
    ? body.expires_in
    : REGISTRY_TOKEN_TTL_S;
  return { token, renewAt: now() + Math.max(0, ttlS * 1000 - REGISTRY_TOKEN_EARLY_RENEW_MS) };
}
