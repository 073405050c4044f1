/**
 * The registry half of dewy: `img://` URLs, version ordering, tag listing with auth, digests.
 *
 * @module
 */
export {
  OciRegistry,
  type OciRegistryOptions,
  openImageRegistry,
  type OpenImageRegistryOptions,
} from "./oci-registry.ts";
export { type ImageRef, parseImageUrl, type ParseImageUrlOptions } from "./url.ts";
export { validateCalverFormat } from "./calver.ts";
export { selectLatest, type VersionScheme } from "./version.ts";
export {
  type Credentials,
  type CredentialSources,
  resolveCredentials,
  type ResolvedCredentials,
} from "./credentials.ts";
export { parseConstraint, type VersionConstraint } from "./constraint.ts";
export {
  ConstraintUnmatchedError,
  NoVersionFoundError,
  RegistryAuthError,
  RegistryError,
  RegistryNotFoundError,
  RegistryProtocolError,
  RegistryRateLimitedError,
  RegistryUnavailableError,
} from "./errors.ts";
export type { ImageRegistry, LatestImage } from "./types.ts";
