/**
 * Tag pagination against a hostile registry: a page linking to itself is read once, and the
 * tags and bytes read across all pages are capped (real HTTP on 127.0.0.1).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { withHttp } from "../../test/_http.ts";
import { RegistryProtocolError } from "./errors.ts";
import { OciRegistry } from "./oci-registry.ts";
import { REGISTRY_MAX_TAG_BYTES, REGISTRY_MAX_TAGS } from "./tags.ts";
import { parseImageUrl } from "./url.ts";

const tagsOf = (host: string) => new OciRegistry(parseImageUrl(`img://${host}/team/app`)).tags();

test("tags: a page whose Link points to itself is read once", async () => {
  let pages = 0;
  await withHttp((_request, url) => {
    pages++;
    return Response.json({ tags: ["v1.0.0", "v1.1.0"] }, {
      headers: { link: `<${url.pathname}${url.search}>; rel="next"` },
    });
  }, async (host) => {
    assert.deepEqual(await tagsOf(host), ["v1.0.0", "v1.1.0"]);
  });
  assert.equal(pages, 1);
});

test("tags: a Link loop over several pages stops at the first page seen again", async () => {
  const asked: string[] = [];
  await withHttp((_request, url) => {
    const page = Number(url.searchParams.get("page") ?? 0);
    asked.push(String(page));
    return Response.json({ tags: [`v${page}.0.0`] }, {
      headers: { link: `</v2/team/app/tags/list?page=${page === 2 ? 1 : page + 1}>; rel="next"` },
    });
  }, async (host) => {
    assert.deepEqual(await tagsOf(host), ["v0.0.0", "v1.0.0", "v2.0.0"]);
  });
  assert.deepEqual(asked, ["0", "1", "2"], "page 2 links back to page 1, which is not read again");
});

test("tags: more bytes across pages than the cap is an error naming the repository", async () => {
  const pad = " ".repeat(3 * 1024 * 1024);
  let pages = 0;
  await withHttp((_request, url) => {
    pages++;
    const page = Number(url.searchParams.get("page") ?? 0);
    return new Response(`{"tags":["v${page}.0.0"]}${pad}`, {
      headers: { link: `</v2/team/app/tags/list?page=${page + 1}>; rel="next"` },
    });
  }, async (host) => {
    await assert.rejects(
      tagsOf(host),
      (e: unknown) =>
        e instanceof RegistryProtocolError && e.message.includes(`${host}/team/app`) &&
        e.message.includes(`${REGISTRY_MAX_TAG_BYTES} bytes`),
    );
  });
  assert.equal(pages, 4, "stopped on the page that crossed 10 MiB");
});

test("tags: more tags across pages than the cap is an error naming the repository", async () => {
  const half = Math.ceil(REGISTRY_MAX_TAGS / 2) + 1;
  await withHttp((_request, url) => {
    const page = Number(url.searchParams.get("page") ?? 0);
    const tags = Array.from({ length: half }, (_, i) => `p${page}-${i}`);
    return Response.json({ tags }, {
      headers: { link: `</v2/team/app/tags/list?page=${page + 1}>; rel="next"` },
    });
  }, async (host) => {
    await assert.rejects(
      tagsOf(host),
      (e: unknown) =>
        e instanceof RegistryProtocolError && e.message.includes(`${host}/team/app`) &&
        e.message.includes(`${REGISTRY_MAX_TAGS} tags`),
    );
  });
});
