import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { readFile } from "node:fs/promises";

/** An Ed25519 private key and the PEM of its public half. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

export interface KeyPairPem {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export class EvidenceError extends Error {
  readonly code = "evidence";
}

/** A fresh Ed25519 key pair as PEM (PKCS#8 private, SPKI public). */
export function generateKeyPairPem(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** Parses a PEM private key and checks that it is Ed25519. */
export function signingKeyFromPem(pem: string, name = "key"): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new EvidenceError(`${name}: not a PEM private key`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new EvidenceError(
      `${name}: expected an Ed25519 key, got ${privateKey.asymmetricKeyType ?? "unknown"}`,
    );
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  return { privateKey, publicKeyPem };
}

export async function loadSigningKey(path: string): Promise<SigningKey> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (error) {
    throw new EvidenceError(`cannot read key ${path}: ${(error as Error).message}`, { cause: error });
  }
  return signingKeyFromPem(pem, path);
}

export function publicKeyFromPem(pem: string, name = "public key"): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new EvidenceError(`${name}: not a PEM public key`, { cause: error });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new EvidenceError(`${name}: expected an Ed25519 key, got ${key.asymmetricKeyType ?? "unknown"}`);
  }
  return key;
}

/** SHA-256 of the key's SPKI DER encoding: the fingerprint to publish and to pin. */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash("sha256")
    .update(key.export({ type: "spki", format: "der" }))
    .digest("hex");
}
