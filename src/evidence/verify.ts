import { createReadStream } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { verify as verifySignature, type KeyObject } from "node:crypto";
import { createHash } from "node:crypto";
import type { ScanReport } from "../model/report.js";
import { parseJsonBytes } from "../report/json-bytes.js";
import {
  BUNDLE_FILES,
  reportParts,
  sha256Hex,
  type Manifest,
  type ReportParts,
  type SignatureFile,
} from "./bundle.js";
import { publicKeyFingerprint, publicKeyFromPem } from "./keys.js";

export type CheckStatus = "ok" | "changed" | "missing" | "invalid" | "unknown";

/** One thing verify looked at; `subject` names the file (a bundle file or an artifact path). */
export interface VerifyCheck {
  readonly subject: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly checks: readonly VerifyCheck[];
  /** The fingerprint of the key the signature was checked with, when one could be read. */
  readonly publicKeySha256?: string;
}

export interface VerifyOptions {
  /** Files (or folders of files) to re-hash against the manifest, as the user named them. */
  readonly artifacts?: readonly string[];
  /** Where relative artifact paths start; default the process's working directory. */
  readonly cwd?: string;
  /** The PEM public key to trust; when absent the bundle's own public-key.pem is used. */
  readonly publicKeyPem?: string;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

function normalize(path: string): string {
  return path.replace(/\\/gu, "/").replace(/^(?:\.\/)+/u, "");
}

async function listFiles(root: string, shown: string): Promise<{ path: string; shown: string }[]> {
  const info = await stat(root);
  if (!info.isDirectory()) return [{ path: root, shown }];
  const out: { path: string; shown: string }[] = [];
  const entries = await readdir(root, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = join(root, entry.name);
    const childShown = `${shown.replace(/\/+$/u, "")}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(child, childShown)));
    else if (entry.isFile()) out.push({ path: child, shown: childShown });
  }
  return out;
}

function parseJson(bytes: Buffer): unknown {
  try {
    // A bundle's report may be longer than a string can be.
    return parseJsonBytes(bytes);
  } catch {
    return undefined;
  }
}

function isManifest(value: unknown): value is Manifest {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record["files"] === "object" && record["files"] !== null && Array.isArray(record["artifacts"])
  );
}

function isSignatureFile(value: unknown): value is SignatureFile {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record["algorithm"] === "ed25519" &&
    typeof record["signature"] === "string" &&
    typeof record["manifestSha256"] === "string"
  );
}

function checkSignature(
  manifestBytes: Buffer,
  signatureBytes: Buffer | undefined,
  key: KeyObject,
  keySource: string,
): VerifyCheck {
  const subject = BUNDLE_FILES.signature;
  if (signatureBytes === undefined) return { subject, status: "missing", detail: "no signature file" };
  const signature = parseJson(signatureBytes);
  if (!isSignatureFile(signature)) {
    return { subject, status: "invalid", detail: "not a custodiet signature file (altered or damaged)" };
  }
  const raw = Buffer.from(signature.signature, "base64");
  // Base64 decoding skips junk silently; re-encoding tells an altered character apart.
  const wellFormed = raw.length === 64 && raw.toString("base64") === signature.signature;
  const valid = wellFormed && verifySignature(null, manifestBytes, key, raw);
  const manifestHash = sha256Hex(manifestBytes);
  if (valid) {
    if (signature.manifestSha256 !== manifestHash) {
      return {
        subject,
        status: "changed",
        detail: "the signature is valid but the manifest hash recorded beside it was altered",
      };
    }
    return {
      subject,
      status: "ok",
      detail: `Ed25519 signature over ${BUNDLE_FILES.manifest} is valid (${keySource})`,
    };
  }
  if (signature.manifestSha256 === manifestHash) {
    return {
      subject,
      status: "changed",
      detail: `the signature does not verify with ${keySource}: the signature was altered or made with another key`,
    };
  }
  return {
    subject: BUNDLE_FILES.manifest,
    status: "changed",
    detail: `${BUNDLE_FILES.manifest} is not the file that was signed (its SHA-256 is ${manifestHash}, the signature was made over ${signature.manifestSha256})`,
  };
}

/**
 * Re-checks an evidence bundle: the signature over manifest.json, report.json against the manifest, and,
 * given artifact paths, each artifact file against the hashes the manifest lists. Names what changed.
 */
export async function verifyEvidenceBundle(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const checks: VerifyCheck[] = [];
  const manifestBytes = await readOptional(join(dir, BUNDLE_FILES.manifest));
  const signatureBytes = await readOptional(join(dir, BUNDLE_FILES.signature));
  const bundledKeyPem = (await readOptional(join(dir, BUNDLE_FILES.publicKey)))?.toString("utf8");

  let key: KeyObject | undefined;
  let keySource = "";
  try {
    if (options.publicKeyPem !== undefined) {
      key = publicKeyFromPem(options.publicKeyPem, "--public-key");
      keySource = "the given public key";
      if (bundledKeyPem !== undefined) {
        let bundled: KeyObject | undefined;
        try {
          bundled = publicKeyFromPem(bundledKeyPem, BUNDLE_FILES.publicKey);
        } catch {
          bundled = undefined;
        }
        if (bundled === undefined || publicKeyFingerprint(bundled) !== publicKeyFingerprint(key)) {
          checks.push({
            subject: BUNDLE_FILES.publicKey,
            status: "changed",
            detail: "the bundle's public key is not the key you gave",
          });
        }
      }
    } else if (bundledKeyPem !== undefined) {
      key = publicKeyFromPem(bundledKeyPem, BUNDLE_FILES.publicKey);
      keySource = "the bundle's own public key; pin it with --public-key to prove who signed";
    } else {
      checks.push({
        subject: BUNDLE_FILES.publicKey,
        status: "missing",
        detail: "no public key in the bundle or given",
      });
    }
  } catch (error) {
    checks.push({
      subject: options.publicKeyPem !== undefined ? "--public-key" : BUNDLE_FILES.publicKey,
      status: "invalid",
      detail: (error as Error).message,
    });
  }

  if (manifestBytes === undefined) {
    checks.push({ subject: BUNDLE_FILES.manifest, status: "missing", detail: "no manifest in the bundle" });
    return { ok: false, checks };
  }
  if (key !== undefined) checks.push(checkSignature(manifestBytes, signatureBytes, key, keySource));

  const manifest = parseJson(manifestBytes);
  if (!isManifest(manifest)) {
    checks.push({ subject: BUNDLE_FILES.manifest, status: "invalid", detail: "not a custodiet manifest" });
    return {
      ok: false,
      checks,
      ...(key === undefined ? {} : { publicKeySha256: publicKeyFingerprint(key) }),
    };
  }
  if (key !== undefined && manifest.publicKeySha256 !== publicKeyFingerprint(key)) {
    checks.push({
      subject: BUNDLE_FILES.manifest,
      status: "changed",
      detail: `names signing key ${manifest.publicKeySha256}, but the key used is ${publicKeyFingerprint(key)}`,
    });
  }

  for (const [name, expected] of Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const bytes = await readOptional(join(dir, name));
    if (bytes === undefined) {
      checks.push({
        subject: name,
        status: "missing",
        detail: "listed in the manifest but not in the bundle",
      });
      continue;
    }
    const actual = sha256Hex(bytes);
    const where = name === BUNDLE_FILES.report ? changedParts(bytes, manifest.reportParts) : "";
    checks.push(
      actual === expected.sha256
        ? { subject: name, status: "ok", detail: `SHA-256 ${actual} as in the manifest` }
        : {
            subject: name,
            status: "changed",
            detail: `SHA-256 is ${actual} (${bytes.length} bytes), the manifest says ${expected.sha256} (${expected.size} bytes)${where}`,
          },
    );
  }

  if (options.artifacts !== undefined) {
    checks.push(...(await checkArtifacts(manifest, options.artifacts, options.cwd)));
  }

  return {
    ok: checks.every((check) => check.status === "ok"),
    checks,
    ...(key === undefined ? {} : { publicKeySha256: publicKeyFingerprint(key) }),
  };
}

function shown(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "?";
}

/** Which parts of a changed report.json differ from what was signed, e.g. "; changed: finding 3 (…)". */
function changedParts(bytes: Buffer, signed: ReportParts | undefined): string {
  if (signed === undefined) return "";
  const report = parseJson(bytes);
  if (typeof report !== "object" || report === null || Array.isArray(report))
    return "; it is no longer valid JSON";
  const actual = reportParts(report as ScanReport);
  const changed: string[] = [];
  if (actual.header !== signed.header) changed.push("the header (tool, rule pack, inputs, options or times)");
  if (actual.rules !== signed.rules) changed.push("the rules");
  if (actual.summary !== signed.summary) changed.push("the summary");
  if (actual.coverage !== signed.coverage) changed.push("the coverage");
  const findings = Array.isArray((report as Partial<ScanReport>).findings)
    ? (report as ScanReport).findings
    : [];
  const count = Math.max(findings.length, signed.findings.length);
  for (let index = 0; index < count; index++) {
    if (actual.findings[index] === signed.findings[index]) continue;
    // Read from a file that may have been edited: its fields are not trusted to have their types.
    const finding = findings[index] as Readonly<Record<string, unknown>> | undefined;
    if (index >= signed.findings.length) changed.push(`finding ${index + 1} was added`);
    else if (finding === undefined) changed.push(`finding ${index + 1} was removed`);
    else
      changed.push(
        `finding ${index + 1} (${shown(finding["ruleId"])} in ${shown(finding["location"])} at offset ${shown(finding["offset"])})`,
      );
  }
  return changed.length === 0 ? "; only its formatting changed" : `; changed: ${changed.join(", ")}`;
}

async function checkArtifacts(
  manifest: Manifest,
  given: readonly string[],
  cwd: string | undefined,
): Promise<VerifyCheck[]> {
  // The files the user named at scan time: the outermost layer of every chain.
  const topLevel = new Map<string, string>();
  const anyLayer = new Map<string, string>();
  for (const artifact of manifest.artifacts) {
    const outer = artifact.layers[0];
    if (outer !== undefined) topLevel.set(normalize(outer.path), outer.sha256);
    for (const layer of artifact.layers)
      if (!anyLayer.has(layer.sha256)) anyLayer.set(layer.sha256, artifact.location);
  }
  const checks: VerifyCheck[] = [];
  for (const item of given) {
    const root = resolve(cwd ?? ".", item);
    let files: { path: string; shown: string }[];
    try {
      files = await listFiles(root, normalize(item));
    } catch (error) {
      checks.push({ subject: item, status: "missing", detail: `cannot read: ${(error as Error).message}` });
      continue;
    }
    for (const file of files) {
      const actual = await hashFile(file.path);
      const name = findManifestPath(topLevel, file.shown);
      if (name !== undefined) {
        const expected = topLevel.get(name)!;
        checks.push(
          actual === expected
            ? { subject: file.shown, status: "ok", detail: `SHA-256 as recorded for ${name}` }
            : {
                subject: file.shown,
                status: "changed",
                detail: `SHA-256 is ${actual}, the manifest records ${expected} for ${name}`,
              },
        );
        continue;
      }
      const byHash = anyLayer.get(actual);
      checks.push(
        byHash === undefined
          ? { subject: file.shown, status: "unknown", detail: `not in the manifest (SHA-256 ${actual})` }
          : { subject: file.shown, status: "ok", detail: `SHA-256 equals the recorded artifact ${byHash}` },
      );
    }
  }
  return checks;
}

/** The manifest path a file stands for: the same path, or the longest one that ends the given path. */
function findManifestPath(topLevel: ReadonlyMap<string, string>, shown: string): string | undefined {
  if (topLevel.has(shown)) return shown;
  let best: string | undefined;
  for (const path of topLevel.keys()) {
    const suffixMatch = shown.endsWith(`/${path}`) || path.endsWith(`/${shown}`);
    if (suffixMatch && (best === undefined || path.length > best.length)) best = path;
  }
  return best;
}
