/**
 * Tag listing: `GET /v2/<repo>/tags/list[?n=…]`, following `Link: rel="next"` pages on the
 * same registry until the last page or a page already read, with caps on pages, tags and
 * bytes across all pages (a hostile registry cannot make a check read gigabytes).
 *
 * @module
 */
import type { RegistryClient } from "./client.ts";
import { RegistryProtocolError, RegistryTooLargeError } from "./errors.ts";
import { parseJsonObject, readBytes } from "./http.ts";
import { nextLink } from "./link.ts";

/** Upper bound on `Link` pages followed when listing tags. */
const REGISTRY_MAX_PAGES = 100;
/** Cap on the bytes of a repository's tag list, all pages together (a hostile registry's pages). */
export const REGISTRY_MAX_TAG_BYTES = 10 * 1024 * 1024;
/** Cap on the tags of a repository, all pages together. */
export const REGISTRY_MAX_TAGS = 100_000;

/** Options of {@link listTags}. */
export interface ListTagsOptions {
  /** Page size asked for with `?n=` (the registry may ignore it); absent = the registry's default. */
  pageSize?: number;
  /** Most pages followed before giving up (default `REGISTRY_MAX_PAGES`). */
  maxPages?: number;
  /** Cancels the listing. */
  signal?: AbortSignal;
}

/**
 * Every tag of `repository`, in registry order, across all pages. A `Link` back to a page
 * already read ends the list; more than `REGISTRY_MAX_TAGS` tags or `REGISTRY_MAX_TAG_BYTES`
 * bytes in all is a `RegistryProtocolError` naming the repository.
 */
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
  const tooMany = (what: string) =>
    new RegistryProtocolError(
      `${failing.action}: more than ${what} across its pages; dewy reads no further ` +
        "(is the registry's pagination broken, or the repository flooded with tags?)",
    );
  let url: URL | undefined = client.url(`/v2/${repository}/tags/list`);
  if (options.pageSize) url.searchParams.set("n", String(options.pageSize));
  const tags: string[] = [];
  const seen = new Set<string>();
  let bytesLeft = REGISTRY_MAX_TAG_BYTES;
  while (url && !seen.has(url.href)) {
    if (seen.size === maxPages) {
      throw new RegistryProtocolError(
        `${failing.action}: more than ${maxPages} pages of tags; is the registry's Link header looping?`,
      );
    }
    seen.add(url.href);
    const response = await client.request(
      url,
      { method: "GET", headers: { accept: "application/json" } },
      failing,
      options.signal,
    );
    let bytes: Uint8Array;
    try {
      bytes = await readBytes(response, bytesLeft);
    } catch (error) {
      if (error instanceof RegistryTooLargeError) throw tooMany(`${REGISTRY_MAX_TAG_BYTES} bytes`);
      throw error;
    }
    bytesLeft -= bytes.length;
    const body = parseJsonObject(new TextDecoder().decode(bytes), failing.action);
    const list = body.tags ?? [];
    if (!Array.isArray(list)) {
      throw new RegistryProtocolError(`${failing.action}: "tags" is not a list`);
    }
    for (const tag of list) if (typeof tag === "string") tags.push(tag);
    if (tags.length > REGISTRY_MAX_TAGS) throw tooMany(`${REGISTRY_MAX_TAGS} tags`);
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
