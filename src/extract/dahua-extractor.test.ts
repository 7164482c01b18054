import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { dahuaPatch } from "../../scripts/build-fixtures.mjs";
import { patchDahuaToZip } from "./dahua-extractor.js";
import { readZipDirectory } from "./zip-extractor.js";
import { memorySource } from "../sources/byte-source.js";

describe("patchDahuaToZip", () => {
  it("restores PK local headers only where the central directory points", async () => {
    // The stored member contains DH\\x03\\x04 itself: it must stay as it is.
    const payload = Buffer.from("data DH\x03\x04 inside");
    const zip = Buffer.from(
      zipSync({ "a.txt": [payload, { level: 0 }], "b.txt": [Buffer.from("b"), { level: 0 }] }),
    );
    const dahua = dahuaPatch(zip);
    expect(dahua.subarray(0, 2).toString()).toBe("DH");
    const patched = await patchDahuaToZip(dahua);
    expect(Buffer.compare(Buffer.from(patched), zip)).toBe(0);
    const directory = await readZipDirectory(memorySource(patched));
    expect(directory?.entries.map((entry) => entry.name)).toEqual(["a.txt", "b.txt"]);
  });
});
