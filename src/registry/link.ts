/**
 * RFC 8288 `Link` headers as the distribution API uses them for pagination:
 * `</v2/app/tags/list?last=v9&n=50>; rel="next"`.
 *
 * @module
 */

const LINK = /<([^>]*)>((?:\s*;\s*[^;,]+(?:"[^"]*")?)*)/g;
const REL = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i;

/**
 * The `rel="next"` target of a `Link` header, resolved against `current` (the URL that
 * answered), or `undefined` on the last page.
 */
export function nextLink(header: string | null, current: URL): URL | undefined {
  if (!header) return undefined;
  for (const [, target, params] of header.matchAll(LINK)) {
    const rel = REL.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (rels.includes("next")) return new URL(target, current);
  }
  return undefined;
}
