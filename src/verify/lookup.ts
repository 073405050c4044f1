/**
 * Where cosign keeps an image's signatures, and checking them: the `sha256-<hex>.sig` tag
 * (simple signing), then Sigstore bundles found through the referrers API or, on a
 * registry without it, the `sha256-<hex>` fallback tag. Any one valid signature suffices.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { BUNDLE_MEDIA_TYPE_PREFIX, checkBundle, SIGN_PREDICATE_TYPE } from "./bundle.ts";
import type { VerifyKey } from "./keys.ts";
import {
  checkSimpleSigning,
  COSIGN_SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from "./simple-signing.ts";
import type { SignatureCheck, SignatureSource, Verdict } from "./types.ts";

/** Largest signature payload or bundle read; real ones are a few KiB. */
const MAX_SIGNATURE_BYTES = 1024 * 1024;
/** Most signature layers or referrers looked at for one digest. */
const MAX_CANDIDATES = 16;

/** The image to verify: its digest and, when known, every tag of its repository. */
export interface ImageToVerify {
  /** The digest that will be deployed (`sha256:…`; the index for multi-platform images). */
  digest: string;
  /**
   * The repository's tags as just listed: signature tags not among them are not asked for.
   * Absent: every place is asked.
   */
  tags?: readonly string[];
}

/** An OCI descriptor, as far as verification reads it. */
interface Descriptor {
  mediaType?: unknown;
  artifactType?: unknown;
  digest?: unknown;
  size?: unknown;
  annotations?: Record<string, unknown>;
}

/** Look for a signature of `image.digest` by one of `keys`. Rejects with a `RegistryError`. */
export async function verifyImage(
  source: SignatureSource,
  keys: readonly VerifyKey[],
  image: ImageToVerify,
  signal?: AbortSignal,
): Promise<Verdict> {
  const { digest } = image;
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    return { signed: false, problems: [`digest ${digest} is not sha256; cosign signs sha256`] };
  }
  const fallbackTag = `sha256-${digest.slice("sha256:".length)}`;
  const sigTag = `${fallbackTag}.sig`;
  const listed = (tag: string) => !image.tags || image.tags.includes(tag);
  const ctx = { source, keys, digest, signal };
  const problems: string[] = [];
  if (listed(sigTag)) {
    const check = await simpleSigningTag(ctx, sigTag);
    if ("key" in check) {
      return { signed: true, key: check.key, format: "simple-signing", location: ".sig tag" };
    }
    problems.push(`.sig tag: ${check.problem}`);
  } else problems.push("no .sig tag");
  let location = "referrers API";
  let index = await source.referrers(digest, signal);
  if (index === undefined) {
    location = "fallback tag";
    if (listed(fallbackTag)) index = (await source.manifest(fallbackTag, signal))?.bytes;
  }
  if (index === undefined) {
    problems.push("no Sigstore bundle (no referrers API, no fallback tag)");
    return { signed: false, problems };
  }
  const check = await bundleReferrers(ctx, index);
  if ("key" in check) return { signed: true, key: check.key, format: "sigstore-bundle", location };
  problems.push(`${location}: ${check.problem}`);
  return { signed: false, problems };
}

/** What the checks share: where to read, the keys, the digest to deploy. */
interface Context {
  source: SignatureSource;
  keys: readonly VerifyKey[];
  digest: string;
  signal?: AbortSignal;
}

/** The signature layers of the `.sig` manifest: any layer that passes. */
async function simpleSigningTag(ctx: Context, tag: string): Promise<SignatureCheck> {
  const manifest = await ctx.source.manifest(tag, ctx.signal);
  if (!manifest) return { problem: "not found" };
  const layers = descriptors(parseObject(manifest.bytes)?.layers)
    .filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE).slice(0, MAX_CANDIDATES);
  if (layers.length === 0) return { problem: `no layer of type ${SIMPLE_SIGNING_MEDIA_TYPE}` };
  const problems: string[] = [];
  for (const layer of layers) {
    const signature = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
    const check = typeof signature !== "string"
      ? { problem: `no ${COSIGN_SIGNATURE_ANNOTATION} annotation` }
      : await withBlob(
        ctx,
        layer,
        (payload) => checkSimpleSigning(payload, signature, ctx.keys, ctx.digest),
      );
    if ("key" in check) return check;
    problems.push(check.problem);
  }
  return { problem: summarize(problems, "signature") };
}

/** The Sigstore bundles among the referrers in `indexBytes`: any bundle that passes. */
async function bundleReferrers(ctx: Context, indexBytes: Uint8Array): Promise<SignatureCheck> {
  // The index entry's artifactType can be wrong (cosign writes the empty type there), so
  // each referring manifest is read; a predicateType annotation skips attestations early.
  const entries = descriptors(parseObject(indexBytes)?.manifests).filter((d) =>
    d.annotations?.["dev.sigstore.bundle.predicateType"] === undefined ||
    d.annotations["dev.sigstore.bundle.predicateType"] === SIGN_PREDICATE_TYPE
  ).slice(0, MAX_CANDIDATES);
  const problems: string[] = [];
  for (const entry of entries) {
    const check = await bundleManifest(ctx, entry);
    if (check && "key" in check) return check;
    if (check) problems.push(check.problem);
  }
  if (problems.length === 0) return { problem: `no bundle among ${entries.length} referrers` };
  return { problem: summarize(problems, "bundle") };
}

/** One referring manifest: `undefined` when it is not a signature bundle. */
async function bundleManifest(
  ctx: Context,
  entry: Descriptor,
): Promise<SignatureCheck | undefined> {
  if (typeof entry.digest !== "string") return { problem: "referrer without a digest" };
  const manifest = await ctx.source.manifest(entry.digest, ctx.signal);
  if (!manifest) return { problem: `referring manifest ${entry.digest} not found` };
  if (manifest.digest !== entry.digest) {
    return { problem: `referring manifest ${entry.digest} has digest ${manifest.digest}` };
  }
  const body = parseObject(manifest.bytes);
  const layer = descriptors(body?.layers)[0];
  const isBundle = (type: unknown) =>
    typeof type === "string" && type.startsWith(BUNDLE_MEDIA_TYPE_PREFIX);
  if (!layer || !isBundle(layer.mediaType)) return undefined;
  const annotations = (body?.annotations ?? {}) as Record<string, unknown>;
  const predicate = annotations["dev.sigstore.bundle.predicateType"];
  if (predicate !== undefined && predicate !== SIGN_PREDICATE_TYPE) return undefined;
  const subject = (body?.subject as Descriptor | undefined)?.digest;
  if (subject !== undefined && subject !== ctx.digest) {
    return { problem: `referrer is about ${subject}, not ${ctx.digest}` };
  }
  return await withBlob(ctx, layer, (bytes) => checkBundle(bytes, ctx.keys, ctx.digest));
}

/** Fetch the blob of `layer`, check its size and sha256 against the descriptor, then `check` it. */
async function withBlob(
  ctx: Context,
  layer: Descriptor,
  check: (bytes: Uint8Array) => SignatureCheck,
): Promise<SignatureCheck> {
  const { digest, size } = layer;
  if (typeof digest !== "string" || !digest.startsWith("sha256:")) {
    return { problem: `layer digest ${JSON.stringify(digest)} is not sha256` };
  }
  if (typeof size === "number" && size > MAX_SIGNATURE_BYTES) {
    return { problem: `layer ${digest} is ${size} bytes, more than ${MAX_SIGNATURE_BYTES}` };
  }
  const bytes = await ctx.source.blob(digest, MAX_SIGNATURE_BYTES, ctx.signal);
  if (!bytes) return { problem: `blob ${digest} not found` };
  const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  if (actual !== digest) return { problem: `blob ${digest} has digest ${actual}` };
  if (typeof size === "number" && size !== bytes.length) {
    return { problem: `blob ${digest} is ${bytes.length} bytes, the manifest says ${size}` };
  }
  return check(bytes);
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function descriptors(value: unknown): Descriptor[] {
  if (!Array.isArray(value)) return [];
  return value.filter((d): d is Descriptor => typeof d === "object" && d !== null);
}

/** `problem` once when every candidate failed the same way, else `1: …; 2: …`. */
function summarize(problems: string[], what: string): string {
  if (new Set(problems).size === 1) return problems[0];
  return problems.map((p, i) => `${what} ${i + 1}: ${p}`).join("; ");
}
