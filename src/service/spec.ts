/**
 * Pure helpers on a service spec: the image reference dewy deploys, the version and digest of
 * an image reference, and the spec of an update (new image, rollback on failure, a monitor
 * window at least as long as the health window; every other setting kept).
 *
 * @module
 */
import type { ServiceSpec } from "../engine/swarm-types.ts";
import type { LatestImage } from "../registry/types.ts";

/** Nanoseconds per millisecond (Swarm durations are nanoseconds). */
const NS_PER_MS = 1_000_000;

/** What a service image reference says: its tag and its digest (each `""` when absent). */
export interface ImageVersion {
  /** The tag, e.g. `v1.4.0`. */
  version: string;
  /** The pinned digest, e.g. `sha256:…`. */
  digest: string;
}

/**
 * The reference a service is updated to: `REPO:TAG@sha256:…`, so that `docker service ls`
 * shows the version and every node runs exactly the digest dewy chose (and verified).
 */
export function serviceImage(latest: LatestImage): string {
  return `${latest.reference}@${latest.digest}`;
}

/** Tag and digest of `image` (`host:5000/repo:v1@sha256:…`; either part may be missing). */
export function imageVersion(image: string): ImageVersion {
  const at = image.indexOf("@");
  const name = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? "" : image.slice(at + 1);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  return { version: colon > slash ? name.slice(colon + 1) : "", digest };
}

/** The image a service spec runs (`""` when the spec has none). */
export function specImage(spec: ServiceSpec): string {
  return spec.TaskTemplate?.ContainerSpec?.Image ?? "";
}

/** Replicas a replicated service wants; `undefined` for a global service. */
export function desiredReplicas(spec: ServiceSpec): number | undefined {
  return spec.Mode?.Replicated ? spec.Mode.Replicated.Replicas ?? 1 : undefined;
}

/**
 * `spec` with `image` to run, `FailureAction: rollback` and a `Monitor` of at least
 * `monitorMinMs`; parallelism, order, delay and everything else are kept. `spec` is not changed.
 */
export function updateSpec(spec: ServiceSpec, image: string, monitorMinMs: number): ServiceSpec {
  const template = spec.TaskTemplate ?? {};
  const update = spec.UpdateConfig ?? {};
  return {
    ...spec,
    TaskTemplate: { ...template, ContainerSpec: { ...template.ContainerSpec, Image: image } },
    UpdateConfig: {
      ...update,
      FailureAction: "rollback",
      Monitor: Math.max(update.Monitor ?? 0, Math.round(monitorMinMs * NS_PER_MS)),
    },
  };
}
