/**
 * Tag listing: `GET /v2/<repo>/tags/list[?n=…]`, following `Link: rel="next"` pages on the
 * same registry up to a page cap.
 *
 * @module
 */
import { REGISTRY_MAX_PAGES } from "../defaults.ts";
import type { RegistryClient } from "./client.ts";
import { RegistryProtocolError } from "./errors.ts";
import { readText } from "./http.ts";
import { nextLink } from "./link.ts";

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
    const next = nextLink(response.headers.get("link"), url);
    let body: { tags?: unknown };
    try {
      body = JSON.parse(await readText(response));
    } catch (error) {
      throw new RegistryProtocolError(`${failing.action}: answer is not JSON`, { cause: error });
    }
    if (body.tags !== null && body.tags !== undefined && !Array.isArray(body.tags)) {
      throw new RegistryProtocolError(`${failing.action}: "tags" is not a list`);
    }
    for (const tag of body.tags ?? []) if (typeof tag === "string") tags.push(tag);
    if (next && next.origin !== url.origin) {
      throw new RegistryProtocolError(
        `${failing.action}: next page ${next.href} is on another host`,
      );
    }
    url = next;
  }
  return tags;
}
