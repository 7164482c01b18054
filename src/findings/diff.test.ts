import { describe, expect, it } from "vitest";
import type { Finding } from "../model/finding.js";
import type { LocationLayer } from "../model/location.js";
import { formatDiffHtml, formatDiffJson, formatDiffText } from "../report/diff-reporter.js";
import {
  layer,
  makeFinding,
  makeReport,
  RULES,
  interruptedReport,
  sampleReport,
  scanned,
} from "../../test/report/sample-report.js";
import { diffReports, logicalOuterPath } from "./diff.js";

/**
 * Two releases of a Dahua-style header. In v2 the header was edited near the top (every line moved down by
 * six, and the file hash changed), EM_NATION_TYPE_UYGUR was renamed to EM_NATION_TYPE_XJ (a name no rule
 * matches), its comment 维族(新疆) stayed, and a race field was added to a struct.
 */
function nationMember(header: LocationLayer, line: number, offset: number, withIndex: boolean): Finding {
  return makeFinding({
    ruleId: "dahua-nation-type",
    messageId: "enum-member",
    category: "ethnicity",
    basis: "inferred",
    severity: "critical",
    layers: [header],
    offset,
    encoding: "gb18030",
    match: "EM_NATION_TYPE_UYGUR",
    line,
    column: 5,
    scope: { kind: "enum", name: "tagEM_NATION_TYPE" },
    data: withIndex ? { memberName: "EM_NATION_TYPE_UYGUR", scopeIndex: "1" } : {},
  });
}

function nationComment(
  header: LocationLayer,
  line: number,
  offset: number,
  member: string,
  withIndex: boolean,
): Finding {
  return makeFinding({
    ruleId: "dahua-nation-type",
    messageId: "comment",
    category: "ethnicity",
    basis: "inferred",
    severity: "critical",
    layers: [header],
    offset,
    encoding: "gb18030",
    match: "维族(新疆)",
    line,
    column: 30,
    scope: { kind: "enum", name: "tagEM_NATION_TYPE" },
    data: withIndex ? { memberName: member, scopeIndex: "1", inComment: "true" } : { inComment: "true" },
  });
}

function raceField(header: LocationLayer, line: number, offset: number): Finding {
  return makeFinding({
    ruleId: "hikvision-race-field",
    messageId: "field",
    category: "race",
    basis: "inferred",
    severity: "high",
    layers: [header],
    offset,
    encoding: "gb18030",
    match: "byRace",
    line,
    column: 10,
    scope: { kind: "struct", name: "tagNET_FACE_ATTR" },
    data: { memberName: "byRace", scopeIndex: "3" },
  });
}

function versions(withIndex: boolean): {
  v1: ReturnType<typeof makeReport>;
  v2: ReturnType<typeof makeReport>;
} {
  const h1 = layer("NetSDK-v1/include/dhnetsdk.h", "version 1");
  const h2 = layer("NetSDK-v2/include/dhnetsdk.h", "version 2, edited near the top");
  const v1 = makeReport(
    [
      nationMember(h1, 1204, 48213, withIndex),
      nationComment(h1, 1204, 48251, "EM_NATION_TYPE_UYGUR", withIndex),
    ],
    [scanned([h1])],
    RULES,
    ["NetSDK-v1"],
  );
  const v2 = makeReport(
    [nationComment(h2, 1210, 48400, "EM_NATION_TYPE_XJ", withIndex), raceField(h2, 2100, 70000)],
    [scanned([h2])],
    RULES,
    ["NetSDK-v2"],
  );
  return { v1, v2 };
}

describe("diffReports", () => {
  it("reports the removed member, the kept comment as unchanged, the new field as added, and the rename", () => {
    const { v1, v2 } = versions(true);
    const diff = diffReports(v1, v2);
    expect(diff.removed.map((finding) => finding.match)).toEqual(["EM_NATION_TYPE_UYGUR"]);
    expect(diff.added.map((finding) => finding.match)).toEqual(["byRace"]);
    expect(diff.unchanged.map((pair) => [pair.old.match, pair.matchedBy])).toEqual([
      ["维族(新疆)", "content"],
    ]);
    expect(diff.renamed).toHaveLength(1);
    expect(diff.renamed[0]).toMatchObject({
      oldName: "EM_NATION_TYPE_UYGUR",
      newName: "EM_NATION_TYPE_XJ",
      basis: "member 2 of enum tagEM_NATION_TYPE",
    });
  });

  it("finds the rename from the line shift when the analyzer gave no scope index", () => {
    const { v1, v2 } = versions(false);
    // v2 renamed the member to one a rule still matches, six lines further down like the kept comment.
    const h2 = v2.findings[0]!.layers;
    const renamed = makeFinding({
      ruleId: "dahua-nation-type",
      messageId: "enum-member",
      category: "ethnicity",
      basis: "inferred",
      severity: "critical",
      layers: h2,
      offset: 48380,
      encoding: "gb18030",
      match: "EM_NATION_TYPE_WEIZU",
      line: 1210,
      column: 5,
      scope: { kind: "enum", name: "tagEM_NATION_TYPE" },
    });
    const diff = diffReports(v1, { ...v2, findings: [...v2.findings, renamed] });
    expect(diff.removed.map((finding) => finding.match)).toEqual(["EM_NATION_TYPE_UYGUR"]);
    expect(diff.renamed.map((hint) => [hint.oldName, hint.newName, hint.basis])).toEqual([
      ["EM_NATION_TYPE_UYGUR", "EM_NATION_TYPE_WEIZU", "line 1210 of enum tagEM_NATION_TYPE (was line 1204)"],
    ]);
  });

  it("does not take a comment's text for a member name", () => {
    const { v1, v2 } = versions(false);
    const [comment, field] = v2.findings;
    const withText = { ...comment!, data: { ...comment!.data, identifier: "维族(新疆)" } };
    expect(diffReports(v1, { ...v2, findings: [withText, field!] }).renamed).toEqual([]);
  });

  it("gives no rename hint when nothing sits in the slot", () => {
    const { v1, v2 } = versions(true);
    const diff = diffReports(v1, {
      ...v2,
      findings: v2.findings.filter((finding) => finding.messageId !== "comment"),
    });
    expect(diff.renamed).toEqual([]);
    expect(diff.removed).toHaveLength(2);
  });

  it("matches an unchanged file by fingerprint, and nothing is added or removed", () => {
    const report = sampleReport();
    const diff = diffReports(report, report);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.unchanged).toHaveLength(report.findings.length);
    expect(new Set(diff.unchanged.map((pair) => pair.matchedBy))).toEqual(new Set(["fingerprint"]));
  });

  it("pairs repeated matches in offset order and reports the extra one as added", () => {
    const h1 = layer("a.h", "one");
    const h2 = layer("a.h", "two");
    const at = (header: LocationLayer, offset: number): Finding => ({ ...raceField(header, 1, offset) });
    const diff = diffReports(
      makeReport([at(h1, 10)], [scanned([h1])], RULES, ["a.h"]),
      makeReport([at(h2, 10), at(h2, 90)], [scanned([h2])], RULES, ["a.h"]),
    );
    expect(diff.unchanged).toHaveLength(1);
    expect(diff.added.map((finding) => finding.offset)).toEqual([90]);
  });

  it("treats a file found under another folder with the same name as moved", () => {
    const h1 = layer("sdk/include/x.h", "one");
    const h2 = layer("sdk/inc/x.h", "two");
    const diff = diffReports(
      makeReport([raceField(h1, 1, 5)], [scanned([h1])], RULES, ["sdk"]),
      makeReport([raceField(h2, 1, 5)], [scanned([h2])], RULES, ["sdk"]),
    );
    expect(diff.unchanged.map((pair) => pair.matchedBy)).toEqual(["moved"]);
  });

  it("strips the scanned root from paths", () => {
    expect(logicalOuterPath("NetSDK-v1/include/a.h", ["./NetSDK-v1/"])).toBe("include/a.h");
    expect(logicalOuterPath("old.zip", ["old.zip"])).toBe("");
    expect(logicalOuterPath("x/old.zip", ["x/old.zip", "y"])).toBe("old.zip");
    expect(logicalOuterPath("other/a.h", ["sdk"])).toBe("other/a.h");
  });
});

describe("diff renderers", () => {
  it("text names the removal and the rename; JSON carries the same; HTML escapes and has one card per change", () => {
    const { v1, v2 } = versions(true);
    const input = { diff: diffReports(v1, v2), old: v1, new: v2 };
    const text = formatDiffText(input);
    expect(text).toContain("1 finding added, 1 removed, 1 unchanged, 1 possible rename");
    expect(text).toMatch(/^- CRITICAL NetSDK-v1\/include\/dhnetsdk\.h:1204 +“EM_NATION_TYPE_UYGUR”/mu);
    expect(text).toContain("? EM_NATION_TYPE_UYGUR → EM_NATION_TYPE_XJ");
    expect(formatDiffText(input, { color: true })).toContain("\u001b[");
    expect(text).not.toContain("\u001b[");
    const json = JSON.parse(formatDiffJson(input)) as {
      summary: Record<string, number>;
      renamed: { oldName: string; newName: string }[];
    };
    expect(json.summary).toEqual({ added: 1, removed: 1, unchanged: 1, renamed: 1 });
    expect(json.renamed[0]).toMatchObject({ oldName: "EM_NATION_TYPE_UYGUR", newName: "EM_NATION_TYPE_XJ" });
    const html = formatDiffHtml(input);
    expect(html.match(/<article class="card /gu)).toHaveLength(2);
    expect(html).toContain("EM_NATION_TYPE_XJ");
    expect(html).not.toContain("<script");
  });

  it("marks a side whose scan was stopped before it finished", () => {
    const input = { old: sampleReport(), new: interruptedReport() };
    const text = formatDiffText({ ...input, diff: diffReports(input.old, input.new) });
    expect(text).toMatch(
      /^ {2}new: .* INTERRUPTED: the scan was stopped after 6 artifacts.*; a partial report$/mu,
    );
    expect(text).not.toMatch(/^ {2}old: .*INTERRUPTED/mu);
  });
});
