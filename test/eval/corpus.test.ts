import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterAll, describe, expect, it } from "vitest";
import { BASES, CATEGORIES } from "../../src/model/rule.js";
import { BLOB_TERM_OFFSET, expectedPathFor, writeSampleCorpus } from "../../scripts/build-sample-corpus.mjs";
import { buildEvalCorpus } from "../../scripts/build-eval-corpus.mjs";

const temp = mkdtempSync(join(tmpdir(), "custodiet-corpus-"));
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Decodes the bytes of a finding independently of the builder's own locate(). */
function decodeAt(bytes: Uint8Array, offset: number, length: number, encoding: string): string {
  return iconv.decode(
    Buffer.from(bytes.subarray(offset, offset + length)),
    encoding === "utf-8" ? "utf8" : encoding,
  );
}

/**
 * The bytes an expectation's offsets are in: the file's, or its member's. The one member kind the sample
 * has is the decoded text of a JSON file written in \\u escapes, which is what JSON.stringify writes of
 * the parsed file again (found here without custodiet's own decoder).
 */
function memberBytes(bytes: Uint8Array, member: string | undefined): Uint8Array {
  if (member === undefined) return bytes;
  const text = new TextDecoder().decode(bytes);
  if (member === "unescaped.txt")
    return new TextEncoder().encode(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  // A source in the bundle's inline source map.
  const payload = /sourceMappingURL=data:application\/json;charset=utf-8;base64,([A-Za-z0-9+/=]+)/u.exec(
    text,
  )![1]!;
  const map = JSON.parse(Buffer.from(payload, "base64").toString("utf8")) as {
    sources: string[];
    sourcesContent: string[];
  };
  const index = map.sources.indexOf(member);
  expect(index).toBeGreaterThanOrEqual(0);
  return new TextEncoder().encode(map.sourcesContent[index]);
}

describe("sample corpus", () => {
  const a = join(temp, "sample-a");
  const b = join(temp, "sample-b");
  const expected = writeSampleCorpus(a);
  writeSampleCorpus(b);

  it("is deterministic", () => {
    for (const file of expected.files) {
      expect(sha256(readFileSync(join(a, file.path)))).toBe(sha256(readFileSync(join(b, file.path))));
    }
    expect(readFileSync(expectedPathFor(a), "utf8")).toBe(readFileSync(expectedPathFor(b), "utf8"));
  });

  it("records offsets that hold the expected term in the expected encoding", () => {
    let checked = 0;
    for (const file of expected.files) {
      const bytes = readFileSync(join(a, file.path));
      expect(bytes.length).toBe(file.size);
      for (const f of file.findings) {
        expect(CATEGORIES).toContain(f.category);
        expect(BASES).toContain(f.basis);
        expect(decodeAt(memberBytes(bytes, f.member), f.offset, f.length, f.encoding)).toBe(f.term);
        expect(f.acceptEncodings).toContain(f.encoding);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it("holds the GBK nation enum, the UTF-16LE blob at 70,000 and a confusables-only header", () => {
    const header = expected.files.find((f) => f.path === "include/sdk_face_attr.h");
    const text = iconv.decode(readFileSync(join(a, "include/sdk_face_attr.h")), "gbk");
    expect(text).toMatch(
      /typedef enum tagEM_NATION_TYPE\s*\{[^}]*EM_NATION_TYPE_UYGUR,\s*\/\/ 维族\(新疆\)/u,
    );
    expect(header?.findings.map((f) => f.encoding)).toEqual(["gb18030", "gb18030"]);

    const blob = expected.files.find((f) => f.path === "blob/random-1mb.bin");
    expect(blob?.size).toBe(1024 * 1024);
    expect(blob?.findings).toEqual([
      expect.objectContaining({
        offset: BLOB_TERM_OFFSET,
        encoding: "utf-16le",
        term: "EM_NATION_TYPE_UYGUR",
      }),
    ]);
    expect(BLOB_TERM_OFFSET).toBe(70_000);

    const benign = expected.files.find((f) => f.path === "include/media_pipeline.h");
    expect(benign?.findings).toEqual([]);
    const benignText = readFileSync(join(a, "include/media_pipeline.h"), "utf8");
    for (const word of ["race condition", "destination", "skin", "nationality", "trace"])
      expect(benignText).toContain(word);
  });
});

describe("evaluation corpus", () => {
  const out = join(temp, "eval");
  const files = buildEvalCorpus(out);

  it("has enough positives and hard negatives, about a third held out", () => {
    const positives = files.filter((f) => f.expected.length > 0);
    const negatives = files.filter((f) => f.expected.length === 0);
    expect(positives.length).toBeGreaterThanOrEqual(80);
    expect(negatives.length).toBeGreaterThanOrEqual(40);
    for (const group of [positives, negatives]) {
      const share = group.filter((f) => f.split === "holdout").length / group.length;
      expect(share).toBeGreaterThan(0.25);
      expect(share).toBeLessThan(0.45);
    }
  });

  it("uses only known categories and bases, and every term occurs in its file", () => {
    for (const file of files) {
      const bytes = readFileSync(join(out, file.path));
      // Binaries may hold UTF-16 at either parity; decode both ways in every charset of the corpus.
      const texts = ["utf8", "utf16le", "gbk", "big5"].flatMap((enc) => [
        iconv.decode(bytes, enc).toLowerCase(),
        iconv.decode(bytes.subarray(1), enc).toLowerCase(),
      ]);
      for (const e of file.expected) {
        expect(CATEGORIES, file.path).toContain(e.category);
        expect(BASES, file.path).toContain(e.basis);
        expect(
          texts.some((t) => t.includes(e.term.toLowerCase())),
          `${file.path}: ${e.term}`,
        ).toBe(true);
      }
    }
  });

  it("materialises GBK, Big5 and binary sources", () => {
    const kinds = new Set(files.map((f) => f.kind));
    for (const kind of ["gbk", "big5", "binary", "text"]) expect(kinds).toContain(kind);
    const gbk = readFileSync(join(out, "dev/dahua/dhsdk_like_face.h"));
    expect(gbk.includes(Buffer.from([0xce, 0xac, 0xd7, 0xe5]))).toBe(true); // 维族 in GBK
    expect(gbk.includes(Buffer.from("维族", "utf8"))).toBe(false);
  });
});
