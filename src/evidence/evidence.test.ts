import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LocationLayer } from "../model/location.js";
import { makeFinding, makeReport, RULES, scanned, sha256 } from "../../test/report/sample-report.js";
import { BUNDLE_FILES, type Manifest, type SignatureFile, writeEvidenceBundle } from "./bundle.js";
import { generateKeyPairPem, publicKeyFingerprint, publicKeyFromPem, signingKeyFromPem } from "./keys.js";
import { verifyEvidenceBundle, type VerifyResult } from "./verify.js";

let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "custodiet-evidence-"));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Real artifact files on disk, and a report whose layers carry their true hashes. */
async function scannedFolder(): Promise<{ root: string; report: ReturnType<typeof makeReport> }> {
  const root = join(work, "sdk");
  await mkdir(join(root, "include"), { recursive: true });
  const headerBytes =
    "typedef enum tagEM_NATION_TYPE {\n  EM_NATION_TYPE_HAN,\n  EM_NATION_TYPE_UYGUR,\n} EM_NATION_TYPE;\n";
  const readme = "vendor SDK readme\n";
  await writeFile(join(root, "include", "dhnetsdk.h"), headerBytes);
  await writeFile(join(root, "README.txt"), readme);
  const header: LocationLayer = {
    path: "sdk/include/dhnetsdk.h",
    sha256: sha256(headerBytes),
    size: headerBytes.length,
    via: "file",
  };
  const readmeLayer: LocationLayer = {
    path: "sdk/README.txt",
    sha256: sha256(readme),
    size: readme.length,
    via: "file",
  };
  const finding = makeFinding({
    ruleId: "dahua-nation-type",
    messageId: "enum-member",
    category: "ethnicity",
    basis: "inferred",
    severity: "critical",
    layers: [header],
    offset: headerBytes.indexOf("EM_NATION_TYPE_UYGUR"),
    encoding: "utf-8",
    match: "EM_NATION_TYPE_UYGUR",
    line: 3,
    column: 3,
  });
  return { root, report: makeReport([finding], [scanned([header]), scanned([readmeLayer])], RULES, ["sdk"]) };
}

function failures(result: VerifyResult): [string, string][] {
  return result.checks.filter((check) => check.status !== "ok").map((check) => [check.subject, check.status]);
}

async function flipByte(path: string, index: (bytes: Buffer) => number): Promise<void> {
  const bytes = await readFile(path);
  const at = index(bytes);
  bytes[at] = bytes[at]! ^ 0x01;
  await writeFile(path, bytes);
}

describe("evidence bundle", () => {
  it("writes report, manifest with every layer's hash, signature and public key; verify passes", async () => {
    const { report } = await scannedFolder();
    const key = signingKeyFromPem(generateKeyPairPem().privateKeyPem);
    const bundle = join(work, "bundle");
    const written = await writeEvidenceBundle(bundle, report, key);
    expect(written.files).toEqual(["report.json", "manifest.json", "manifest.sig", "public-key.pem"]);
    expect(written.oneTimeKey).toBe(false);
    const manifest = JSON.parse(await readFile(join(bundle, BUNDLE_FILES.manifest), "utf8")) as Manifest;
    expect(manifest.tool).toEqual(report.tool);
    expect(manifest.rulePack.hash).toBe(report.rulePack.hash);
    expect(manifest.files["report.json"]!.sha256).toBe(sha256(await readFile(join(bundle, "report.json"))));
    expect(
      manifest.artifacts.flatMap((artifact) => artifact.layers.map((layer) => layer.sha256)).sort(),
    ).toEqual(report.coverage.flatMap((entry) => entry.layers.map((layer) => layer.sha256)).sort());
    expect(manifest.publicKeySha256).toBe(publicKeyFingerprint(publicKeyFromPem(key.publicKeyPem)));
    const result = await verifyEvidenceBundle(bundle, { publicKeyPem: key.publicKeyPem });
    expect(failures(result)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("lists two members of one name in one container as two artifacts", async () => {
    const library: LocationLayer = {
      path: "sdk/libface.a",
      sha256: sha256("library"),
      size: 5000,
      via: "file",
    };
    const member = (text: string, offsetInParent: number): LocationLayer => ({
      path: "util.o",
      sha256: sha256(text),
      size: text.length,
      via: "ar",
      offsetInParent,
    });
    const report = makeReport(
      [],
      [
        scanned([library]),
        scanned([library, member("first util.o", 100)]),
        scanned([library, member("second", 900)]),
      ],
      RULES,
    );
    const key = signingKeyFromPem(generateKeyPairPem().privateKeyPem);
    const bundle = join(work, "bundle");
    await writeEvidenceBundle(bundle, report, key);
    const manifest = JSON.parse(await readFile(join(bundle, BUNDLE_FILES.manifest), "utf8")) as Manifest;
    expect(manifest.artifacts.map((artifact) => artifact.layers.at(-1)!.sha256)).toEqual([
      sha256("library"),
      sha256("first util.o"),
      sha256("second"),
    ]);
    expect((await verifyEvidenceBundle(bundle, { publicKeyPem: key.publicKeyPem })).ok).toBe(true);
  });

  it("re-hashes the artifacts: untouched passes, one flipped byte names the file", async () => {
    const { root, report } = await scannedFolder();
    const bundle = join(work, "bundle");
    await writeEvidenceBundle(bundle, report);
    const clean = await verifyEvidenceBundle(bundle, { artifacts: ["sdk"], cwd: work });
    expect(failures(clean)).toEqual([]);
    expect(
      clean.checks.filter((check) => check.subject.startsWith("sdk/")).map((check) => check.subject),
    ).toEqual(["sdk/README.txt", "sdk/include/dhnetsdk.h"]);
    await flipByte(join(root, "include", "dhnetsdk.h"), (bytes) => bytes.indexOf("UYGUR"));
    const tampered = await verifyEvidenceBundle(bundle, { artifacts: ["sdk"], cwd: work });
    expect(tampered.ok).toBe(false);
    expect(failures(tampered)).toEqual([["sdk/include/dhnetsdk.h", "changed"]]);
    // Named by an absolute path, the file is still recognised by its path suffix.
    const absolute = await verifyEvidenceBundle(bundle, { artifacts: [join(root, "include", "dhnetsdk.h")] });
    expect(failures(absolute)).toEqual([
      [join(root, "include", "dhnetsdk.h").replace(/\\/gu, "/"), "changed"],
    ]);
  });

  it("one flipped byte of the report names report.json", async () => {
    const { report } = await scannedFolder();
    const bundle = join(work, "bundle");
    await writeEvidenceBundle(bundle, report);
    await flipByte(join(bundle, "report.json"), (bytes) => bytes.indexOf("EM_NATION_TYPE_UYGUR"));
    const result = await verifyEvidenceBundle(bundle);
    expect(failures(result)).toEqual([["report.json", "changed"]]);
    const offset = report.findings[0]!.offset;
    expect(result.checks.find((check) => check.subject === "report.json")!.detail).toMatch(
      new RegExp(
        `; changed: finding 1 \\(dahua-nation-type in sdk/include/dhnetsdk\\.h at offset ${offset}\\)$`,
        "u",
      ),
    );
  });

  it("says which part of the report changed, or that it is no longer JSON", async () => {
    const { report } = await scannedFolder();
    const bundle = join(work, "bundle");
    await writeEvidenceBundle(bundle, report);
    const path = join(bundle, "report.json");
    const original = await readFile(path, "utf8");
    const edited = JSON.parse(original) as typeof report;
    await writeFile(path, JSON.stringify({ ...edited, summary: { ...edited.summary, findings: 0 } }));
    const detail = (await verifyEvidenceBundle(bundle)).checks.find(
      (check) => check.subject === "report.json",
    )!.detail;
    expect(detail).toMatch(/; changed: the summary$/u);
    await writeFile(path, JSON.stringify(edited));
    expect((await verifyEvidenceBundle(bundle)).checks[1]!.detail).toMatch(/only its formatting changed$/u);
    await writeFile(path, original.slice(0, 100));
    expect((await verifyEvidenceBundle(bundle)).checks[1]!.detail).toMatch(/no longer valid JSON$/u);
  });

  it("one flipped byte of the signature names manifest.sig; of the manifest, manifest.json", async () => {
    const { report } = await scannedFolder();
    const bundle = join(work, "bundle");
    await writeEvidenceBundle(bundle, report);
    const signaturePath = join(bundle, BUNDLE_FILES.signature);
    const original = await readFile(signaturePath);
    const signature = JSON.parse(original.toString("utf8")) as SignatureFile;
    await flipByte(signaturePath, (bytes) => bytes.indexOf(signature.signature) + 10);
    expect(failures(await verifyEvidenceBundle(bundle))).toEqual([["manifest.sig", "changed"]]);
    await writeFile(signaturePath, original);
    expect((await verifyEvidenceBundle(bundle)).ok).toBe(true);
    await flipByte(join(bundle, BUNDLE_FILES.manifest), (bytes) => bytes.indexOf("sdk/README.txt"));
    expect(failures(await verifyEvidenceBundle(bundle))).toEqual([["manifest.json", "changed"]]);
  });

  it("a bundle re-signed with another key fails against the pinned public key", async () => {
    const { report } = await scannedFolder();
    const mine = signingKeyFromPem(generateKeyPairPem().privateKeyPem);
    const bundle = join(work, "bundle");
    await writeEvidenceBundle(bundle, report); // a one-time key, not mine
    const result = await verifyEvidenceBundle(bundle, { publicKeyPem: mine.publicKeyPem });
    expect(result.ok).toBe(false);
    expect(failures(result).map(([subject]) => subject)).toEqual(
      expect.arrayContaining(["public-key.pem", "manifest.sig"]),
    );
  });

  it("says what is missing", async () => {
    const { report } = await scannedFolder();
    const bundle = join(work, "bundle");
    await writeEvidenceBundle(bundle, report);
    await rm(join(bundle, "report.json"));
    expect(failures(await verifyEvidenceBundle(bundle))).toEqual([["report.json", "missing"]]);
    expect(failures(await verifyEvidenceBundle(join(work, "nothing-here")))).toEqual([
      ["public-key.pem", "missing"],
      ["manifest.json", "missing"],
    ]);
  });

  it("is deterministic: the same report and key give the same bundle bytes", async () => {
    const { report } = await scannedFolder();
    const key = signingKeyFromPem(generateKeyPairPem().privateKeyPem);
    await writeEvidenceBundle(join(work, "a"), report, key);
    await writeEvidenceBundle(join(work, "b"), report, key);
    for (const name of Object.values(BUNDLE_FILES)) {
      expect(await readFile(join(work, "b", name))).toEqual(await readFile(join(work, "a", name)));
    }
  });
});
