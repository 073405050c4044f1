/**
 * Cosign signature verification (`--verify-key`): keys, the lookup of both signature
 * formats in the registry, and the gate the deploy loop asks before deploying a digest.
 * Imported on demand (it loads `@sigstore/verify`); `keys.ts` alone is light.
 *
 * @module
 */
export {
  createSignatureGate,
  SignatureGate,
  type SignatureGateOptions,
  type VerificationStatus,
} from "./gate.ts";
export { SignatureVerifier } from "./verifier.ts";
export { SignatureRejectedError } from "./errors.ts";
export type { SignatureSource, Verdict } from "./types.ts";
