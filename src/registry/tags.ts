/**
 * Tag listing: `GET /v2/<repo>/tags/list[?n=…]`, following `Link: rel="next"` pages on the
 * same registry up to a page cap.
 *
 * @module
 */
import type { RegistryClient } from "./client.ts";
import { RegistryProtocolError } from "./errors.ts";
import { readJsonObject } from "./http.ts";
import { nextLink } from "./link.ts";

/** Upper bound on `Link` pages followed when listing tags. */
const REGISTRY_MAX_PAGES = 100;

/** Options of {@link listTags}. */
export interface ListTagsOptions {
  /** Page size asked for with `?n=` (the registry may ignore it); absent = the registry's default. */
  pageSize?: number;
  /** Most pages followed before giving up (default `REGISTRY_MAX_PAGES`). */
  maxPages?: number;
  /** Cancels the listing. */
  signal?: AbortSignal;
}

/** Every tag of `repository`, in registry order, across all pages. */
export async function listTags(
  client: RegistryClient,
  repository: string,
  options: ListTagsOptions = {},
): Promise<string[]> {
  const maxPages = options.maxPages ?? REGISTRY_MAX_PAGES;
  const name = `${client.url("/").host}/${repository}`;
  const failing = {
    action: `listing tags of ${name}`,
    notFound: `repository not found: ${repository} on ${client.url("/").host}`,
    notFoundHint: "check the repository path in --registry, or push an image first",
  };
  let url: URL | undefined = client.url(`/v2/${repository}/tags/list`);
  if (options.pageSize) url.searchParams.set("n", String(options.pageSize));
  const tags: string[] = [];
  for (let page = 0; url; page++) {
    if (page === maxPages) {
      throw new RegistryProtocolError(
        `${failing.action}: more than ${maxPages} pages of tags; is the registry's Link header looping?`,
      );
    }
    const response = await client.request(
      url,
      { method: "GET", headers: { accept: "application/json" } },
      failing,
      options.signal,
    );
    const body = await readJsonObject(response, failing.action);
    const list = body.tags ?? [];
    if (!Array.isArray(list)) {
      throw new RegistryProtocolError(`${failing.action}: "tags" is not a list`);
    }
    for (const tag of list) if (typeof tag === "string") tags.push(tag);
    url = followingPage(response, url, failing.action);
  }
  return tags;
}

/** The next page's URL from the `Link` header, refused unless it stays on the same registry. */
function followingPage(response: Response, current: URL, action: string): URL | undefined {
  let next: URL | undefined;
  try {
    next = nextLink(response.headers.get("link"), current);
  } catch (error) {
    throw new RegistryProtocolError(
      `${action}: bad Link header "${response.headers.get("link")}"`,
      { cause: error },
    );
  }
  if (next && next.origin !== current.origin) {
    throw new RegistryProtocolError(`${action}: next page ${next.href} is on another host`);
  }
  return next;
}
