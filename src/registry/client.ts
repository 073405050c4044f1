/**
 * Authenticated requests to one registry: answers a `401` challenge once (Bearer token from
 * the realm, or Basic with the known credentials), caches the token until it expires and
 * remembers that a registry wants Basic, so later requests carry it up front.
 *
 * @module
 */
import { parseChallenges } from "./challenge.ts";
import type { Credentials } from "./credentials.ts";
import { RegistryAuthError } from "./errors.ts";
import { type Failing, responseError, send, type SendOptions } from "./http.ts";
import { basicAuthorization, type BearerToken, fetchToken } from "./token.ts";

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions extends Omit<SendOptions, "signal" | "peer" | "registry"> {
  /** Credentials for Basic auth and the token server; anonymous when absent. */
  credentials?: Credentials;
  /** Clock (default `Date.now`). */
  now?: () => number;
}

/** Method and headers of one registry request. */
export interface RegistryRequest {
  /** `GET` or `HEAD`. */
  method: "GET" | "HEAD";
  /** Request headers (`accept`); `authorization` is added by the client. */
  headers: Record<string, string>;
}

/** An HTTP client for one registry API base (`https://ghcr.io`). */
export class RegistryClient {
  readonly #base: URL;
  readonly #options: RegistryClientOptions;
  #bearer: BearerToken | undefined;
  #basic = false;

  /** @param apiBase registry API base URL @param options credentials, timeout, test doubles */
  constructor(apiBase: string, options: RegistryClientOptions = {}) {
    this.#base = new URL(apiBase);
    this.#options = options;
  }

  /** `path` (`/v2/…`) resolved against the API base. */
  url(path: string): URL {
    return new URL(path, this.#base);
  }

  /**
   * Send `init` to `url` with authentication and return the 2xx response; any other outcome
   * rejects with a typed `RegistryError` whose message starts with `failing.action`.
   */
  async request(
    url: URL,
    init: RegistryRequest,
    failing: Failing,
    signal?: AbortSignal,
  ): Promise<Response> {
    const now = this.#options.now ?? Date.now;
    const attempt = (authorization: string | undefined) => {
      const headers = authorization ? { ...init.headers, authorization } : init.headers;
      return send(url, { method: init.method, headers }, {
        ...this.#options,
        registry: this.#base,
        signal,
      });
    };
    let response = await attempt(this.#authorization(now()));
    if (response.status === 401) {
      const retry = await this.#answer(response, failing, signal);
      if (retry !== undefined) response = await attempt(retry);
    }
    if (response.ok) return response;
    if (response.status === 401 || response.status === 403) {
      const user = this.#options.credentials?.username;
      failing = {
        ...failing,
        action: `${failing.action} ${user ? `as user "${user}"` : "without credentials"}`,
      };
    }
    throw await responseError(response, failing, now());
  }

  #authorization(now: number): string | undefined {
    if (this.#bearer && now < this.#bearer.renewAt) return `Bearer ${this.#bearer.token}`;
    if (this.#basic && this.#options.credentials) {
      return basicAuthorization(this.#options.credentials);
    }
    return undefined;
  }

  /** The authorization to retry with after a 401, or `undefined` to give up. */
  async #answer(
    response: Response,
    failing: Failing,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const header = response.headers.get("www-authenticate") ?? "";
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const credentials = this.#options.credentials;
    if (bearer) {
      await response.body?.cancel();
      this.#bearer = await fetchToken(bearer.params, {
        ...this.#options,
        registry: this.#base,
        signal,
      });
      return `Bearer ${this.#bearer.token}`;
    }
    if (challenges.some((c) => c.scheme === "basic") && credentials && !this.#basic) {
      await response.body?.cancel();
      this.#basic = true;
      return basicAuthorization(credentials);
    }
    if (challenges.length > 0 && !challenges.some((c) => c.scheme === "basic")) {
      await response.body?.cancel();
      throw new RegistryAuthError(
        `${failing.action}: unsupported auth scheme in WWW-Authenticate "${header}"`,
        {
          status: 401,
        },
      );
    }
    return undefined;
  }
}
