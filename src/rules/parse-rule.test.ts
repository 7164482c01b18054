import { describe, expect, it } from "vitest";
import { parseRuleText } from "./parse-rule.js";
import { NATION_UYGHUR } from "../../test/rules/fixtures/starter-rules.js";

function problems(text: string, expectedId?: string) {
  const result = parseRuleText(text, "rules/x.yaml", expectedId);
  if (result.ok) throw new Error("expected problems");
  return result.problems.map((p) => `${p.code} ${p.file}:${p.line}: ${p.detail}`);
}

/** The 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split("\n").findIndex((line) => line.includes(needle)) + 1;
}

describe("parseRuleText", () => {
  it("turns a valid rule into model data with defaults", () => {
    const result = parseRuleText(NATION_UYGHUR, "rules/test-nation-uyghur.yaml", "test-nation-uyghur");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rule).toMatchObject({
      id: "test-nation-uyghur",
      category: "ethnicity",
      compliance: [],
      vendors: ["dahua"],
    });
    expect(result.rule.tests.match[1]).toEqual({
      text: "EM_NATION_TYPE_UYGUR, // 维族(新疆)",
      encoding: "gb18030",
    });
    expect(result.rule.tests.noMatch).toHaveLength(2);
    expect(result.rule.origin).toEqual({ file: "rules/test-nation-uyghur.yaml", line: 1 });
  });

  it("names the line of a schema violation deep inside a pattern", () => {
    const bad = NATION_UYGHUR.replace(
      "scope-kind: [enum, struct, class, list, object, string-table]",
      "scope-kind: [enum, structure]",
    );
    expect(problems(bad)).toEqual([
      `schema rules/x.yaml:${lineOf(bad, "scope-kind")}: patterns[0].where.scope-kind[1]: must be one of enum, struct, class, list, object, comment, string-table, text`,
    ]);
  });

  it("names the line of an unknown field and of a wrong category", () => {
    const bad = NATION_UYGHUR.replace("identifier-none:", "identifier-nope:").replace(
      "category: ethnicity",
      "category: ethnic",
    );
    expect(problems(bad)).toEqual([
      `schema rules/x.yaml:${lineOf(bad, "category:")}: category: must be one of ethnicity, race, skin-colour, religion, political-opinion, trade-union, sex-life-or-orientation`,
      `schema rules/x.yaml:${lineOf(bad, "identifier-nope")}: patterns[0].where: unknown field "identifier-nope"`,
    ]);
  });

  it("reports missing fields, empty descriptions and missing no-match samples", () => {
    const bad = NATION_UYGHUR.replace(/description:[^\n]*\n/, 'description: " "\n').replace(
      / {2}no-match:[\s\S]*$/,
      "",
    );
    expect(problems(bad)).toEqual([
      `schema rules/x.yaml:${lineOf(bad, "description")}: description: must not be empty`,
      `schema rules/x.yaml:${lineOf(bad, "tests:")}: tests: missing required field "no-match"`,
    ]);
  });

  it("reports malformed YAML at its line", () => {
    const bad = NATION_UYGHUR.replace("terms: [UYGUR, UYGHUR, UIGHUR]", "terms: [UYGUR, UYGHUR, UIGHUR");
    const [first] = problems(bad);
    expect(first).toMatch(/^yaml-syntax rules\/x\.yaml:\d+: YAML: /);
    const line = Number(/:(\d+):/.exec(first!)![1]);
    expect(line).toBeGreaterThanOrEqual(lineOf(bad, "terms: [UYGUR"));
    expect(problems("id: a\nid: b\n")[0]).toMatch(
      /^yaml-syntax rules\/x\.yaml:2: YAML: Map keys must be unique/,
    );
  });

  it("checks the id against the file name, cross-field conditions and sample encodings", () => {
    expect(problems(NATION_UYGHUR, "other-name")).toEqual([
      `id-mismatch rules/x.yaml:${lineOf(NATION_UYGHUR, "id:")}: id "test-nation-uyghur" must equal the file name "other-name"`,
    ]);
    const big5 = NATION_UYGHUR.replace("encoding: gb18030", "encoding: big5");
    expect(problems(big5)).toEqual([
      `sample-encoding rules/x.yaml:${lineOf(big5, '维族(新疆)"')}: tests.match[1]: the text cannot be written in big5 (a character has no big5 form)`,
    ]);
    const lonelyMin = NATION_UYGHUR.replace(
      "not-within: [低维族]",
      "not-within: [低维族]\n      scope-min: 2",
    );
    expect(problems(lonelyMin)).toEqual([
      `schema rules/x.yaml:${lineOf(lonelyMin, "scope-min")}: patterns[1].where.scope-min: needs scope-any`,
    ]);
  });
});
