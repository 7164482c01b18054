import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pdf } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import type { ChildArtifact, ExtractContext, ExtractEvent } from "../../src/extract/extractor.js";
import { detectFormat } from "../../src/extract/registry.js";
import { takeTurn } from "../../src/engine/turns.js";
import { memorySource } from "../../src/sources/byte-source.js";
import { isStrayPdfJsRejection } from "../../src/extract/pdf-extractor.js";
import { BIN, tempFolder } from "../helpers.js";
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
  it("every page of two PDFs extracted together in one thread, taking turns as the engine does", async () => {
    // pdf.js keeps one page count per thread: the registry's PDF extractor asks for one extraction at a time.
    const context = (): ExtractContext => ({
      tempDir: tmpdir(),
      budgets: TEST_BUDGETS,
      depth: 0,
      remainingBytes: TEST_BUDGETS.maxTotalBytes,
      signal: AbortSignal.timeout(60_000),
      name: "manual.pdf",
    });
    const extract = async (pages: number, label: string): Promise<ExtractEvent[]> => {
      const bytes = new Uint8Array(manual(pages, label));
      const source = memorySource(bytes);
      const extractor = await detectFormat(bytes.subarray(0, 65536), source);
      expect(extractor?.oneAtATime).toBe(true);
      const end = await takeTurn(extractor!.name);
      try {
        const events: ExtractEvent[] = [];
        for await (const event of extractor!.extract(source, context())) events.push(event);
        return events;
      } finally {
        end();
      }
    };
    const [longEvents, shortEvents] = await Promise.all([extract(12, "long"), extract(2, "short")]);
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

  it("is told by a versioned header: a Makefile that greps for %PDF-1 is no PDF", async () => {
    const makefile = Buffer.from('check:\n\tsed 1q test.pdf | grep "%PDF-1" >/dev/null\n');
    expect(
      await detectFormat(new Uint8Array(makefile), memorySource(new Uint8Array(makefile))),
    ).toBeUndefined();
    const real = new Uint8Array(manual(1, "one"));
    expect((await detectFormat(real.subarray(0, 65536), memorySource(real)))?.name).toBe("pdf");
    // A PDF behind a few bytes of junk (a prepended header) is still one.
    const junk = new Uint8Array(Buffer.concat([Buffer.from("JUNK\r\n"), manual(1, "two")]));
    expect((await detectFormat(junk.subarray(0, 65536), memorySource(junk)))?.name).toBe("pdf");
  });
});

/**
 * The three-page manual of the fixtures, damaged twice: the end of page 1's content and the start of page
 * 2's dictionary wiped (erased flash, 0xff), and page 3's font dictionary opening a string that never ends.
 * pdf.js fetches page 3's dictionary ahead while it looks up page 1 and leaves that fetch's failure with no
 * handler (found by the fuzz harness).
 */
function strayRejectionPdf(): Buffer {
  const bytes = Buffer.from(
    pdf([
      ["Face attribute table", "Attribute: age, gender"],
      ["人脸属性：性别 年龄 眼镜 口罩 肤色", "肤色：0-未识别 1-黄 2-黑 3-白", "种族：亚洲人 黑人 白人"],
      "end",
    ]),
  );
  const wiped = bytes.indexOf("j\nET\nendstream\nendobj\n8 0 obj");
  bytes.fill(0xff, wiped, wiped + 61);
  bytes[bytes.lastIndexOf("/Font <<") + 5] = 0x28; // "/Font(<<"
  return bytes;
}

describe("a PDF that pdf.js leaves a promise of rejected and unhandled", () => {
  it.each([1, 2])(
    "does not end the scan (--jobs %i): the report is written",
    (jobs) => {
      const dir = tempFolder();
      const input = join(dir, "damaged.pdf");
      writeFileSync(input, strayRejectionPdf());
      writeFileSync(
        join(dir, "nation.h"),
        "typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n",
      );
      const output = join(dir, "report.json");
      const run = spawnSync(
        process.execPath,
        [BIN, "scan", dir, "--jobs", String(jobs), "--quiet", "--format", "json", "--output", output],
        {
          encoding: "utf8",
        },
      );
      expect(run.stderr).not.toMatch(/Unhandled|crashed/u);
      expect(run.status).toBe(1);
      expect(existsSync(output)).toBe(true);
      const report = JSON.parse(readFileSync(output, "utf8")) as {
        coverage: { location: string; detail?: string }[];
      };
      expect(report.coverage.some((entry) => entry.location.endsWith("damaged.pdf"))).toBe(true);
      expect(report.coverage.filter((entry) => /crash/u.test(entry.detail ?? ""))).toEqual([]);
    },
    60_000,
  );

  it("is told from other errors by where it was thrown", () => {
    const stray = new Error("End of file inside dictionary.");
    stray.stack = `ParserEOFException: End of file inside dictionary.\n    at Lexer.getObj (file:///app/node_modules/pdfjs-dist/legacy/build/pdf.worker.mjs:3:1)`;
    expect(isStrayPdfJsRejection(stray)).toBe(true);
    expect(isStrayPdfJsRejection(new Error("ours"))).toBe(false);
    expect(isStrayPdfJsRejection("End of file inside dictionary.")).toBe(false);
  });
});
