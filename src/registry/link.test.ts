import { test } from "node:test";
import assert from "node:assert/strict";
import { nextLink } from "./link.ts";

test("registry auth: Link next page, relative and absolute, other rels ignored", () => {
  const here = new URL("http://127.0.0.1:5000/v2/app/tags/list?n=2");
  assert.equal(
    nextLink('</v2/app/tags/list?last=b&n=2>; rel="next"', here)?.href,
    "http://127.0.0.1:5000/v2/app/tags/list?last=b&n=2",
  );
  assert.equal(
    nextLink("<http://127.0.0.1:5000/x?last=a,b>; rel=next", here)?.href,
    "http://127.0.0.1:5000/x?last=a,b",
  );
  assert.equal(
    nextLink('</first>; rel="first", </n>; title="a;b"; rel="prev next"', here)?.href,
    "http://127.0.0.1:5000/n",
  );
  assert.equal(nextLink('</prev>; rel="prev"', here), undefined);
  assert.equal(nextLink(null, here), undefined);
});
