import { describe, expect, it } from "vitest";
import type { Rule } from "../model/rule.js";
import type { LocatedDetection } from "../engine/task.js";
import type { LocationLayer } from "../model/location.js";
import type { CoverageEntry } from "../model/coverage.js";
import {
  dropContainerEchoes,
  dropRetoldRepeats,
  sortCoverage,
  sortFindings,
  toFindings,
} from "./assemble.js";

const rule = {
  id: "test.rule",
  category: "ethnicity",
  basis: "inferred-from-face",
  severity: "high",
  confidence: "high",
} as unknown as Rule;

/** Findings of test.rule in the layers, one per [matched text, offset]. */
function findingsAt(layers: LocationLayer[], hits: [match: string, offset: number][]) {
  return toFindings(
    hits.map(([match, offset]) => ({
      ruleId: "test.rule",
      messageId: "m",
      offset,
      length: match.length,
      encoding: "utf-8",
      match,
      matchHex: Buffer.from(match).toString("hex"),
      excerpt: match,
      excerptMatch: [0, match.length],
      data: {},
    })),
    layers,
    new Map([["test.rule", rule]]),
  );
}

describe("toFindings", () => {
  it("replaces lone surrogates (UTF-16 text decoded from random bytes) so strict JSON readers accept the report", () => {
    const detection: LocatedDetection = {
      ruleId: "test.rule",
      messageId: "m",
      offset: 10,
      length: 4,
      encoding: "utf-16le",
      match: "民族",
      matchHex: "116ccf65",
      excerpt: "a\ud869b民族\ude9c\ud83d\ude00",
      excerptMatch: [3, 5],
      scope: { kind: "string-table", name: "x\udc4f" },
      data: { memberName: "\uda52民族" },
    };
    const [finding] = toFindings(
      [detection],
      [{ path: "f.bin", via: "file", sha256: "00", size: 100 }],
      new Map([["test.rule", rule]]),
    );
    // One code unit for one: the match position in the excerpt is unchanged; real pairs stay.
    expect(finding!.excerpt).toBe("a\ufffdb民族\ufffd\ud83d\ude00");
    expect(finding!.excerpt.slice(3, 5)).toBe("民族");
    expect(finding!.scope).toEqual({ kind: "string-table", name: "x\ufffd" });
    expect(finding!.data).toEqual({ memberName: "\ufffd民族" });
    expect(JSON.stringify(finding)).not.toMatch(/\\ud[89a-f]/u);
  });
});

describe("dropRetoldRepeats", () => {
  const file: LocationLayer = { path: "page.html", via: "file", sha256: "00", size: 100 };
  const layer = (path: string, via: string): LocationLayer => ({ path, via, sha256: "11", size: 10 });
  const findingsIn = (layers: LocationLayer[], matches: string[]) =>
    findingsAt(
      layers,
      matches.map((match, index): [string, number] => [match, index * 10]),
    );

  it("drops what a retelling layer repeats of its parent, as many times as the parent has it", () => {
    const page = findingsIn([file], ["race", "race"]);
    const text = findingsIn([file, layer("text.txt", "html-text")], ["race", "race", "race", "民族"]);
    const { kept, repeated } = dropRetoldRepeats([...page, ...text]);
    expect(kept.map((f) => [f.location, f.match])).toEqual([
      ["page.html", "race"],
      ["page.html", "race"],
      ["page.html!text.txt", "race"],
      ["page.html!text.txt", "民族"],
    ]);
    expect(repeated).toEqual(new Map([["page.html!text.txt", 2]]));
  });

  it("compares each retelling layer with its parent alone, and keeps a container's members", () => {
    const message = findingsIn([file], ["race"]);
    const body = findingsIn([file, layer("body.txt", "mime-text")], ["race"]);
    const html = findingsIn([file, layer("body.html", "mime-text")], ["race"]);
    const member = findingsIn([file, layer("face.h", "mime")], ["race"]);
    const { kept } = dropRetoldRepeats([...message, ...body, ...html, ...member]);
    expect(kept.map((f) => f.location)).toEqual(["page.html", "page.html!face.h"]);
  });

  it("drops what a source map's sources repeat from the map instead: they have the source's own lines", () => {
    const map: LocationLayer = { path: "app.js.map", via: "file", sha256: "00", size: 100 };
    const inMap = findingsIn([map], ["民族", "民族", "race", "nation"]);
    const first = findingsIn([map, layer("src/face.ts", "sourcemap")], ["民族", "race"]);
    const second = findingsIn([map, layer("src/labels.ts", "sourcemap")], ["民族", "skin"]);
    const { kept, repeated, unfolded } = dropRetoldRepeats([...inMap, ...first, ...second]);
    expect(kept.map((f) => [f.location, f.match])).toEqual([
      ["app.js.map", "nation"],
      ["app.js.map!src/face.ts", "民族"],
      ["app.js.map!src/face.ts", "race"],
      ["app.js.map!src/labels.ts", "民族"],
      ["app.js.map!src/labels.ts", "skin"],
    ]);
    expect(unfolded).toEqual(new Map([["app.js.map", 3]]));
    expect(repeated).toEqual(new Map());
  });
});

describe("dropContainerEchoes", () => {
  const layer = (path: string, via: string, offsetInParent?: number): LocationLayer => ({
    path,
    via,
    sha256: "11",
    size: 4096,
    ...(offsetInParent === undefined ? {} : { offsetInParent }),
  });

  it("drops a container's finding where a member with an offset has it at that offset", () => {
    const tarFile = layer("sdk.tar", "file");
    const raw = findingsAt(
      [tarFile],
      [
        ["byRace", 612],
        ["byRace", 9000],
      ],
    );
    const member = findingsAt([tarFile, layer("face.h", "tar", 512)], [["byRace", 100]]);
    const kept = dropContainerEchoes([...raw, ...member]);
    // 9000 is in no member (slack space, a deleted file): it stays.
    expect(kept.map((f) => [f.location, f.offset])).toEqual([
      ["sdk.tar", 9000],
      ["sdk.tar!face.h", 100],
    ]);
  });

  it("drops a file system's findings as often as its files have them, when the files have no offsets", () => {
    const image = layer("rootfs.img", "file");
    const raw = findingsAt(
      [image],
      [
        ["emRace", 70_000],
        ["emRace", 90_000],
        ["emRace", 200_000],
      ],
    );
    const files = [
      ...findingsAt([image, layer("usr/lib/libface.so", "ext")], [["emRace", 5000]]),
      ...findingsAt([image, layer("usr/include/face.h", "ext")], [["emRace", 300]]),
    ];
    const kept = dropContainerEchoes([...raw, ...files]);
    expect(kept.map((f) => f.location)).toEqual([
      "rootfs.img",
      "rootfs.img!usr/lib/libface.so",
      "rootfs.img!usr/include/face.h",
    ]);
    // A compressed container's member is no echo of its bytes: a gzip's raw finding stays.
    const gz = layer("face.h.gz", "file");
    const both = [
      ...findingsAt([gz], [["emRace", 40]]),
      ...findingsAt([gz, layer("face.h", "gzip")], [["emRace", 10]]),
    ];
    expect(dropContainerEchoes(both)).toHaveLength(2);
  });

  it("drops an LZ4, lzop or zstd stream's finding in a literal run as often as the decoded bytes have it", () => {
    for (const via of ["lz4", "lzop", "zstd"]) {
      const stream = layer("kernel.bin", "file");
      const kept = dropContainerEchoes([
        // The term written out once as literals; the decoder's copies of it come from matches.
        ...findingsAt([stream], [["emRace", 90]]),
        ...findingsAt([stream], [["byRace", 400]]),
        ...findingsAt(
          [stream, layer("kernel", via)],
          [
            ["emRace", 80],
            ["emRace", 5000],
          ],
        ),
      ]);
      // byRace is in no decoded byte (trailing data after the stream): it stays.
      expect(kept.map((f) => `${f.location} ${f.match} ${f.offset}`)).toEqual([
        "kernel.bin byRace 400",
        "kernel.bin!kernel emRace 80",
        "kernel.bin!kernel emRace 5000",
      ]);
    }
  });

  it("drops an NTFS master file table's finding that a file of the volume explains, not a deleted file's", () => {
    const volume = layer("ntfs.img", "file");
    const mft = layer("[SYSTEM]/$MFT", "ntfs");
    const kept = dropContainerEchoes([
      // The volume's raw bytes: the small file's data, resident in the table, and a deleted file's.
      ...findingsAt([volume], [["emRace", 20_000]]),
      ...findingsAt([volume], [["byRace", 21_000]]),
      ...findingsAt([volume, mft], [["emRace", 4000]]),
      ...findingsAt([volume, mft], [["byRace", 5000]]),
      ...findingsAt([volume, layer("readme.txt:notes", "ntfs")], [["emRace", 10]]),
    ]);
    expect(kept.map((f) => `${f.location} ${f.match}`)).toEqual([
      "ntfs.img![SYSTEM]/$MFT byRace",
      "ntfs.img!readme.txt:notes emRace",
    ]);
  });
});

describe("sorting artifacts of the same name", () => {
  // An ar library holding two members named util.o: the same location, told apart by offset and hash.
  const archive: LocationLayer = { path: "libface.a", via: "file", sha256: "aa", size: 5000 };
  const first: LocationLayer[] = [
    archive,
    { path: "util.o", via: "ar", sha256: "ff", size: 10, offsetInParent: 100 },
  ];
  const second: LocationLayer[] = [
    archive,
    { path: "util.o", via: "ar", sha256: "00", size: 10, offsetInParent: 900 },
  ];

  it("orders findings by the members' offsets whichever was scanned first", () => {
    const a = findingsAt(first, [["byRace", 8]]);
    const b = findingsAt(second, [["byRace", 2]]);
    expect(a[0]!.location).toBe(b[0]!.location);
    const one = sortFindings([...a, ...b]);
    const other = sortFindings([...b, ...a]);
    expect(other).toEqual(one);
    expect(one.map((finding) => finding.layers[1]!.offsetInParent)).toEqual([100, 900]);
  });

  it("orders coverage entries the same way, and by hash when no offset is known", () => {
    const entry = (layers: LocationLayer[]): CoverageEntry => ({
      location: "libface.a!util.o",
      layers,
      status: "scanned",
      bytesScanned: 10,
    });
    const unplaced = (sha256: string): LocationLayer[] => [
      archive,
      { path: "util.o", via: "ar", sha256, size: 10 },
    ];
    const entries = [entry(second), entry(first), entry(unplaced("bb")), entry(unplaced("0b"))];
    const sorted = sortCoverage([...entries]);
    expect(sortCoverage([...entries].reverse())).toEqual(sorted);
    expect(sorted.map((covered) => covered.layers[1]!.offsetInParent ?? covered.layers[1]!.sha256)).toEqual([
      "0b",
      "bb",
      100,
      900,
    ]);
  });
});
