import { describe, expect, it } from "vitest";
import type { Finding } from "../model/finding.js";
import { RULES, sampleFindings } from "../../test/report/sample-report.js";
import { describeFinding, ruleIndex } from "./describe-finding.js";

const rules = ruleIndex(RULES);
const findings = sampleFindings();

function find(ruleId: string, messageId: string): Finding {
  return findings.find((finding) => finding.ruleId === ruleId && finding.messageId === messageId)!;
}

function flagIds(finding: Finding): string[] {
  return describeFinding(finding, rules.get(finding.ruleId)).complianceFlags.map((flag) => flag.id);
}

describe("describeFinding", () => {
  it("flags Art. 5(1)(g) for inferred findings, and §889 for a covered vendor", () => {
    expect(flagIds(find("dahua-nation-type", "enum-member"))).toEqual([
      "eu-ai-act-art-5-1-g",
      "us-ndaa-889",
      "gdpr-art-9",
    ]);
    expect(flagIds(find("hikvision-race-field", "field"))).toEqual([
      "eu-ai-act-art-5-1-g",
      "us-ndaa-889",
      "gdpr-art-9",
    ]);
  });

  it("flags Annex III 1(b) instead for ID-document and reserved findings; no §889 for vendors not covered", () => {
    expect(flagIds(find("idcard-nation", "field"))).toEqual(["eu-ai-act-annex-iii-1-b", "gdpr-art-9"]);
    const reserved = find("uniview-skin-colour", "enum-member");
    expect(flagIds(reserved)).toEqual(["eu-ai-act-annex-iii-1-b", "gdpr-art-9"]);
    expect(describeFinding(reserved, rules.get(reserved.ruleId)).complianceFlags[0]!.text).toContain(
      "not enabled",
    );
  });

  it("profiling data gets the GDPR flag only", () => {
    expect(flagIds(find("person-record-ethnicity", "json-key"))).toEqual(["gdpr-art-9"]);
  });

  it("keeps compliance ids the rule names that it has no wording for", () => {
    const finding = find("person-record-ethnicity", "json-key");
    const rule = { ...rules.get(finding.ruleId)!, compliance: ["x-local-law-12"] };
    const flags = describeFinding(finding, rule).complianceFlags;
    expect(flags.map((flag) => flag.id)).toEqual(["gdpr-art-9", "x-local-law-12"]);
  });

  it("words flags as flags, never as verdicts", () => {
    for (const finding of findings) {
      for (const flag of describeFinding(finding, rules.get(finding.ruleId)).complianceFlags) {
        expect(flag.text).toMatch(/^(Check against|The rule flags)/u);
        expect(flag.text).not.toMatch(/\b(violates|illegal|unlawful|is prohibited|breaches)\b/iu);
      }
    }
  });

  it("names the match and its scope in the message", () => {
    const finding = find("dahua-nation-type", "enum-member");
    const description = describeFinding(finding, rules.get(finding.ruleId));
    expect(description.title).toBe("Nation (ethnic group) type enum");
    expect(description.message).toContain("EM_NATION_TYPE_UYGUR");
    expect(description.message).toContain("tagEM_NATION_TYPE");
    expect(description.basisText).toMatch(/^Inferred/u);
  });

  it("says a model output computes the attribute", () => {
    const finding: Finding = {
      ...find("dahua-nation-type", "enum-member"),
      messageId: "model-output",
      match: "race_output",
      scope: { kind: "object", name: "outputs" },
      data: { siblings: "age, gender" },
    };
    expect(describeFinding(finding).message).toMatch(
      /^The model output “race_output” in object outputs computes .+ next to age, gender\.$/u,
    );
  });

  it("builds a sentence from the rule title for an unknown message id, and works without the rule", () => {
    const finding = find("person-record-ethnicity", "json-key");
    expect(describeFinding(finding, rules.get(finding.ruleId)).message).toBe(
      "Ethnicity stored in person records: “ethnicity” in an object.",
    );
    const bare = describeFinding(finding);
    expect(bare.title).toBe("Ethnicity attribute (person-record-ethnicity)");
    expect(bare.message).toContain("“ethnicity”");
  });
});
