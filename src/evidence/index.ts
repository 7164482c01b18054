export {
  BUNDLE_FILES,
  buildManifest,
  writeEvidenceBundle,
  type Manifest,
  type ManifestArtifact,
  type SignatureFile,
  type WrittenBundle,
} from "./bundle.js";
export {
  EvidenceError,
  generateKeyPairPem,
  loadSigningKey,
  publicKeyFingerprint,
  publicKeyFromPem,
  signingKeyFromPem,
  type KeyPairPem,
  type SigningKey,
} from "./keys.js";
export { verifyEvidenceBundle, type VerifyCheck, type VerifyOptions, type VerifyResult } from "./verify.js";
