import { createHash, sign } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ScanReport } from "../model/report.js";
import { batched, writePieces } from "../report/batched.js";
import { formatJsonPieces, stableJsonPieces } from "../report/json-reporter.js";
import {
  generateKeyPairPem,
  publicKeyFingerprint,
  publicKeyFromPem,
  signingKeyFromPem,
  type SigningKey,
} from "./keys.js";

export const BUNDLE_FILES = {
  report: "report.json",
  manifest: "manifest.json",
  signature: "manifest.sig",
  publicKey: "public-key.pem",
} as const;

export const MANIFEST_SCHEMA_VERSION = "1";

export interface ManifestLayer {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly via: string;
}

export interface ManifestArtifact {
  /** Display form of the chain, e.g. `sdk.zip!include/dhnetsdk.h`. */
  readonly location: string;
  readonly status: string;
  /** Every layer from the file the user named to this artifact, each with its SHA-256. */
  readonly layers: readonly ManifestLayer[];
}

/** What is signed. Everything a verifier needs to re-check the bundle is in here. */
export interface Manifest {
  readonly schemaVersion: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly rulePack: { readonly hash: string; readonly ruleCount: number };
  readonly reportSchemaVersion: string;
  readonly generatedAt: string;
  readonly inputs: readonly string[];
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly size: number }>>;
  readonly artifacts: readonly ManifestArtifact[];
  readonly findings: number;
  /** Hashes of the parts of report.json, so that verify can say which part of a changed report changed. */
  readonly reportParts: ReportParts;
  readonly publicKeySha256: string;
}

/** SHA-256 of the canonical JSON of each part of the report; findings one by one, in report order. */
export interface ReportParts {
  /** Everything but rules, findings, coverage and summary (tool, rule pack, inputs, options, times). */
  readonly header: string;
  readonly rules: string;
  readonly summary: string;
  readonly coverage: string;
  readonly findings: readonly string[];
}

export function reportParts(report: ScanReport): ReportParts {
  // In pieces: the coverage of a whole download archive is longer than a string can be.
  const hash = (value: unknown): string => {
    const digest = createHash("sha256");
    for (const text of batched(stableJsonPieces(value))) digest.update(text, "utf8");
    return digest.digest("hex");
  };
  const { rules, findings, coverage, summary, ...header } = report;
  return {
    header: hash(header),
    rules: hash(rules),
    summary: hash(summary),
    coverage: hash(coverage),
    findings: findings.map((finding) => hash(finding)),
  };
}

/** manifest.sig: the Ed25519 signature over the exact bytes of manifest.json, with what it was made over. */
export interface SignatureFile {
  readonly algorithm: "ed25519";
  readonly signed: string;
  /** SHA-256 of manifest.json when it was signed: tells a changed manifest from a changed signature. */
  readonly manifestSha256: string;
  readonly publicKeySha256: string;
  /** Base64 signature. */
  readonly signature: string;
}

export interface WrittenBundle {
  readonly dir: string;
  /** File names written into `dir`. */
  readonly files: readonly string[];
  readonly publicKeySha256: string;
  /** True when no key was given and a one-time key was used (its private half is not kept). */
  readonly oneTimeKey: boolean;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A file's SHA-256 and size, as the manifest lists them. */
export interface FileDigest {
  readonly sha256: string;
  readonly size: number;
}

/** The manifest for a report; `reportFile` is the digest of report.json exactly as written. */
export function buildManifest(report: ScanReport, reportFile: FileDigest, publicKeySha256: string): Manifest {
  // By location and by the layers' offsets and hashes: a container may hold two members of one name (an ar
  // library's two util.o), which share a location and are two artifacts.
  const artifacts = new Map<string, ManifestArtifact>();
  const add = (location: string, status: string, layers: ScanReport["coverage"][number]["layers"]): void => {
    const key = [location, ...layers.map((layer) => `${layer.offsetInParent ?? ""}:${layer.sha256}`)].join(
      "\0",
    );
    if (artifacts.has(key)) return;
    artifacts.set(key, {
      location,
      status,
      layers: layers.map((layer) => ({
        path: layer.path,
        sha256: layer.sha256,
        size: layer.size,
        via: layer.via,
      })),
    });
  };
  for (const entry of report.coverage) add(entry.location, entry.status, entry.layers);
  // Findings' chains are in the coverage too; this only guards against a report where one is missing.
  for (const finding of report.findings) add(finding.location, "scanned", finding.layers);
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    tool: { name: report.tool.name, version: report.tool.version },
    rulePack: { hash: report.rulePack.hash, ruleCount: report.rulePack.ruleCount },
    reportSchemaVersion: report.schemaVersion,
    generatedAt: report.generatedAt,
    inputs: [...report.inputs],
    files: { [BUNDLE_FILES.report]: { sha256: reportFile.sha256, size: reportFile.size } },
    // In the report's order, which tells artifacts of one location apart by their offsets and hashes.
    artifacts: [...artifacts.values()].sort((a, b) =>
      a.location < b.location ? -1 : a.location > b.location ? 1 : 0,
    ),
    findings: report.findings.length,
    reportParts: reportParts(report),
    publicKeySha256,
  };
}

/**
 * Writes report.json, manifest.json, manifest.sig and public-key.pem into `dir`. Without a key a one-time
 * key pair signs the bundle and its private half is dropped: the bundle is then only as trustworthy as the
 * public-key fingerprint you publish alongside it (see docs/evidence.md).
 */
export async function writeEvidenceBundle(
  dir: string,
  report: ScanReport,
  key?: SigningKey,
): Promise<WrittenBundle> {
  const signingKey = key ?? signingKeyFromPem(generateKeyPairPem().privateKeyPem, "one-time key");
  const publicKey = publicKeyFromPem(signingKey.publicKeyPem);
  const publicKeySha256 = publicKeyFingerprint(publicKey);
  await mkdir(dir, { recursive: true });
  // Both may be longer than a string can be (a scan of a whole download archive): the report is written and
  // hashed a piece at a time, the manifest, which is signed whole, made as bytes.
  const reportHash = createHash("sha256");
  const reportSize = await writePieces(join(dir, BUNDLE_FILES.report), formatJsonPieces(report), reportHash);
  const reportFile: FileDigest = { sha256: reportHash.digest("hex"), size: reportSize };
  const manifest = buildManifest(report, reportFile, publicKeySha256);
  const manifestBytes = Buffer.concat(
    [...batched(stableJsonPieces(manifest))].map((text) => Buffer.from(text, "utf8")),
  );
  const signatureFile: SignatureFile = {
    algorithm: "ed25519",
    signed: BUNDLE_FILES.manifest,
    manifestSha256: sha256Hex(manifestBytes),
    publicKeySha256,
    signature: sign(null, manifestBytes, signingKey.privateKey).toString("base64"),
  };
  await writeFile(join(dir, BUNDLE_FILES.manifest), manifestBytes);
  await writeFile(join(dir, BUNDLE_FILES.signature), `${JSON.stringify(signatureFile, null, 2)}\n`);
  await writeFile(join(dir, BUNDLE_FILES.publicKey), signingKey.publicKeyPem);
  return {
    dir,
    files: [BUNDLE_FILES.report, BUNDLE_FILES.manifest, BUNDLE_FILES.signature, BUNDLE_FILES.publicKey],
    publicKeySha256,
    oneTimeKey: key === undefined,
  };
}
