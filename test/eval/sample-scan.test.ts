import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import type { Finding } from "../../src/model/finding.js";
import {
  BLOB_TERM_OFFSET,
  buildSampleEntries,
  writeSampleCorpus,
} from "../../scripts/build-sample-corpus.mjs";

const temp = mkdtempSync(join(tmpdir(), "custodiet-sample-scan-"));
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

describe("scan of the sample corpus", () => {
  const tree = join(temp, "sample");
  const expected = writeSampleCorpus(tree, undefined, join(temp, "sample.EXPECTED.json"));
  const reportPromise = scan({ paths: [tree], jobs: 1 });

  const findingsOf = async (path: string): Promise<Finding[]> => {
    const report = await reportPromise;
    return report.findings.filter((f) => (f.layers[0]?.path ?? "").endsWith(`/${path}`));
  };

  for (const file of expected.files) {
    it(`${file.path}: ${file.findings.length === 0 ? "no finding" : file.findings.map((f) => f.term).join(", ")}`, async () => {
      const found = await findingsOf(file.path);
      const allowed = new Set(file.findings.map((e) => `${e.category}/${e.basis}`));
      for (const f of found)
        expect(allowed, `${f.ruleId} on ${f.match} @${f.offset}`).toContain(`${f.category}/${f.basis}`);
      for (const e of file.findings) {
        // An expectation in a layer inside the file (its decoded text) names the layer's location.
        const hit = found.find(
          (f) =>
            f.location.endsWith(e.location ?? file.path) &&
            f.category === e.category &&
            f.basis === e.basis &&
            (e.acceptEncodings ?? [e.encoding]).includes(f.encoding) &&
            f.offset < e.offset + e.length &&
            e.offset < f.offset + f.length,
        );
        expect(hit, `${e.term} (${e.category}/${e.basis}) at ${e.offset} in ${e.encoding}`).toBeDefined();
      }
    });
  }

  it("finds the UTF-16LE identifier of the random blob inside its bytes at 70,000", async () => {
    const found = await findingsOf("blob/random-1mb.bin");
    const inTerm = found.filter(
      (f) =>
        f.encoding === "utf-16le" &&
        f.offset >= BLOB_TERM_OFFSET &&
        f.offset + f.length <= BLOB_TERM_OFFSET + 40,
    );
    expect(inTerm.map((f) => f.category)).toContain("ethnicity");
  });
});

describe("scan of the sample corpus with the firmware layer", () => {
  it("finds the members of the Dahua-style image at their member offsets", async () => {
    const tree = join(temp, "with-firmware");
    const expected = writeSampleCorpus(
      tree,
      buildSampleEntries({ withFirmware: true }),
      join(temp, "fw.EXPECTED.json"),
    );
    const image = expected.files.find((f) => f.path.startsWith("firmware/"));
    expect(image?.findings.length).toBeGreaterThan(0);
    const report = await scan({ paths: [join(tree, "firmware")], jobs: 1 });
    for (const e of image?.findings ?? []) {
      const hit = report.findings.find(
        (f) =>
          f.location.endsWith(e.location ?? "") &&
          f.category === e.category &&
          f.basis === e.basis &&
          f.offset < e.offset + e.length &&
          e.offset < f.offset + f.length,
      );
      expect(hit, `${e.location ?? ""} ${e.term} @${e.offset}`).toBeDefined();
    }
  });
});
