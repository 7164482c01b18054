import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tar } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { tempFolder } from "../helpers.js";

/** A header of `size` bytes that names the Uyghur member of a nation enum. */
function header(size: number): Uint8Array {
  const text = "typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n";
  return new Uint8Array(Buffer.from(text.padEnd(size, "/")));
}

describe("the extraction budget (maxTotalBytes)", () => {
  it("is each input's: a folder of archives gets every one expanded, and only the one over it stops", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "a.tar"), tar([["a.h", header(3000)]]));
    writeFileSync(join(dir, "b.tar"), tar([["b.h", header(3000)]]));
    writeFileSync(
      join(dir, "c.tar"),
      tar([
        ["c1.h", header(3000)],
        ["c2.h", header(3000)],
      ]),
    );
    const report = await scan({ paths: [dir], jobs: 1, budgets: { maxTotalBytes: 4000 } });
    // The members' findings (a tar's raw bytes hold its members' text too).
    const found = report.findings
      .map((finding) => finding.location.replace(/^.*\//u, ""))
      .filter((location) => location.includes("!"))
      .sort();
    expect(found).toEqual(["a.tar!a.h", "b.tar!b.h", "c.tar!c1.h"]);
    const over = report.coverage.filter((entry) => entry.status !== "scanned");
    expect(over.map((entry) => [entry.location.replace(/^.*\//u, ""), entry.reason])).toEqual([
      ["c.tar!c2.h", "budget-total-bytes"],
    ]);
  });

  it("counts every level of nesting inside one input", async () => {
    const dir = tempFolder();
    const inner = tar([["inner.h", header(3000)]]);
    writeFileSync(join(dir, "outer.tar"), tar([["inner.tar", new Uint8Array(inner)]]));
    const report = await scan({ paths: [dir], jobs: 1, budgets: { maxTotalBytes: inner.length + 1000 } });
    // inner.tar is read (its raw bytes hold the header's text), inner.h is not.
    expect(report.findings.map((finding) => finding.location.replace(/^.*\//u, ""))).not.toContain(
      "outer.tar!inner.tar!inner.h",
    );
    expect(
      report.coverage
        .filter((entry) => entry.status !== "scanned")
        .map((entry) => [entry.location.replace(/^.*\//u, ""), entry.reason]),
    ).toEqual([["outer.tar!inner.tar!inner.h", "budget-total-bytes"]]);
  });
});
