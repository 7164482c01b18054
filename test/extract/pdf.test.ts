import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pdf } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import type { ChildArtifact, ExtractContext, ExtractEvent } from "../../src/extract/extractor.js";
import { pdfExtractor } from "../../src/extract/pdf-extractor.js";
import { memorySource } from "../../src/sources/byte-source.js";
import { tempFolder } from "../helpers.js";
import { childBytes, cleanupTempDirs, TEST_BUDGETS } from "./drive.js";

afterAll(cleanupTempDirs);

/** A PDF whose last page names the Uyghur member of a nation enum. */
function manual(pages: number, label: string): Buffer {
  return pdf(
    Array.from({ length: pages }, (_, index) =>
      index === pages - 1
        ? `${label}: EM_NATION_TYPE_UYGUR is a member of EM_NATION_TYPE`
        : `${label} page ${index + 1}`,
    ),
  );
}

describe("PDF text", () => {
  it("every page of two PDFs read at the same time in one thread (pdf.js keeps one page count per thread)", async () => {
    const context = (): ExtractContext => ({
      tempDir: tmpdir(),
      budgets: TEST_BUDGETS,
      depth: 0,
      remainingBytes: TEST_BUDGETS.maxTotalBytes,
      signal: AbortSignal.timeout(60_000),
      name: "manual.pdf",
    });
    const long = pdfExtractor.extract(memorySource(new Uint8Array(manual(12, "long"))), context());
    const short = pdfExtractor.extract(memorySource(new Uint8Array(manual(2, "short"))), context());
    // The long one is open (its first page is out) when the short one is asked for its first page.
    const longEvents: ExtractEvent[] = [(await long.next()).value as ExtractEvent];
    const shortFirst = short.next();
    for await (const event of long) longEvents.push(event);
    const shortEvents: ExtractEvent[] = [(await shortFirst).value as ExtractEvent];
    for await (const event of short) shortEvents.push(event);
    for (const [events, pages] of [
      [longEvents, 12],
      [shortEvents, 2],
    ] as const) {
      expect(events.filter((event) => event.kind !== "child")).toEqual([]);
      expect(events).toHaveLength(pages);
      const last = events.at(-1) as ChildArtifact;
      expect(Buffer.from(await childBytes(last)).toString()).toContain("EM_NATION_TYPE_UYGUR");
    }
  });

  it("a scan of several PDFs finds the term on the last page of each", async () => {
    const dir = tempFolder();
    for (const [name, pages] of [
      ["a.pdf", 30],
      ["b.pdf", 3],
      ["c.pdf", 9],
      ["d.pdf", 1],
    ] as const)
      writeFileSync(join(dir, name), manual(pages, name));
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.filter((entry) => entry.status !== "scanned")).toEqual([]);
    // The page text of each (the raw PDF bytes hold the term too, in its uncompressed page stream).
    const pages = report.findings
      .filter((finding) => finding.match === "EM_NATION_TYPE_UYGUR" && finding.location.includes("!page-"))
      .map((finding) => finding.location.replace(/^.*\//u, ""))
      .sort();
    expect(pages).toEqual(["a.pdf!page-30.txt", "b.pdf!page-3.txt", "c.pdf!page-9.txt", "d.pdf!page-1.txt"]);
  });
});
