import type { Finding, ScopeKind } from "../model/finding.js";
import type { RuleSummary } from "../model/report.js";
import type { Category } from "../model/rule.js";
import { BASIS_TEXTS, CATEGORY_LABELS, CATEGORY_NOUNS } from "./labels.js";

/**
 * A compliance reference worded as a flag for a person to check, never as a legal verdict:
 * custodiet finds capabilities in software, it cannot know how the software is deployed.
 */
export interface ComplianceFlag {
  readonly id: string;
  readonly label: string;
  readonly text: string;
}

export interface FindingDescription {
  /** Short headline, usually the rule title. */
  readonly title: string;
  /** One or two sentences saying what was found where. */
  readonly message: string;
  /** What the basis means for this finding. */
  readonly basisText: string;
  readonly complianceFlags: readonly ComplianceFlag[];
}

/** Vendors named in US NDAA FY2019 §889 (and their subsidiaries and affiliates). */
export const NDAA_889_VENDORS: Readonly<Record<string, string>> = {
  huawei: "Huawei",
  zte: "ZTE",
  hytera: "Hytera",
  hikvision: "Hikvision",
  dahua: "Dahua",
};

/** The classes Art. 5(1)(g) names; ethnicity and skin colour are read as proxies of race. */
const ART_5_1_G_CATEGORIES: ReadonlySet<Category> = new Set<Category>([
  "ethnicity",
  "race",
  "skin-colour",
  "religion",
  "political-opinion",
  "trade-union",
  "sex-life-or-orientation",
]);

/** GDPR Art. 9(1) wording for each category. */
const GDPR_ART_9_TERMS = {
  ethnicity: "racial or ethnic origin",
  race: "racial or ethnic origin",
  "skin-colour": "racial or ethnic origin",
  religion: "religious or philosophical beliefs",
  "political-opinion": "political opinions",
  "trade-union": "trade-union membership",
  "sex-life-or-orientation": "a person's sex life or sexual orientation",
} as const satisfies Record<Category, string>;

const FLAG_ORDER = ["eu-ai-act-art-5-1-g", "eu-ai-act-annex-iii-1-b", "us-ndaa-889", "gdpr-art-9"];

const FLAG_LABELS: Readonly<Record<string, string>> = {
  "eu-ai-act-art-5-1-g": "EU AI Act Art. 5(1)(g)",
  "eu-ai-act-annex-iii-1-b": "EU AI Act Annex III 1(b)",
  "us-ndaa-889": "US NDAA §889",
  "gdpr-art-9": "GDPR Art. 9",
};

const SCOPE_NOUNS = {
  enum: "enumeration",
  struct: "structure",
  class: "class",
  list: "list",
  object: "object",
  comment: "comment",
  "string-table": "string table",
  text: "text",
  none: "file",
} as const satisfies Record<ScopeKind, string>;

function quote(text: string): string {
  return `“${text}”`;
}

function scopePhrase(finding: Finding): string {
  const scope = finding.scope;
  if (scope === undefined || scope.kind === "none" || scope.kind === "text") return "";
  const noun = SCOPE_NOUNS[scope.kind];
  const article = /^[aeiou]/u.test(noun) ? "an" : "a";
  return scope.name === undefined || scope.name === ""
    ? ` in ${article} ${noun}`
    : ` in ${noun} ${scope.name}`;
}

function messageFor(finding: Finding, title: string): string {
  const match = quote(finding.match);
  const noun = CATEGORY_NOUNS[finding.category];
  const where = scopePhrase(finding);
  const siblings = finding.data["siblings"];
  const context = siblings === undefined || siblings === "" ? "" : ` next to ${siblings}`;
  switch (finding.messageId) {
    case "enum-member":
      return `The member ${match}${where} makes ${noun} a value the software can hold or report${context}.`;
    case "enum-value":
      return `The value ${match}${where} is one of the values of ${noun}${context}.`;
    case "field":
      return `The field ${match}${where} holds ${noun}${context}.`;
    case "comment":
      return `A comment${where === " in a comment" ? "" : where} describes ${noun}: ${match}.`;
    case "api-attribute":
      return `The API attribute ${match}${where} returns ${noun}${context}.`;
    case "model-output":
      return `The model output ${match}${where} computes ${noun}${context}.`;
    case "string":
      return `The string ${match}${where} names ${noun}${context}.`;
    default:
      // Unknown message ids (a newer rule pack) still read as a sentence, built from the rule title.
      return `${title}: ${match}${where}.`;
  }
}

function flag(id: string, text: string): ComplianceFlag {
  return { id, label: FLAG_LABELS[id] ?? id, text };
}

function complianceFlags(finding: Finding, rule: RuleSummary | undefined): ComplianceFlag[] {
  const flags = new Map<string, ComplianceFlag>();
  const category = CATEGORY_LABELS[finding.category].toLowerCase();
  const inferred = finding.basis === "inferred";
  const reserved = finding.basis === "reserved";

  if (inferred && ART_5_1_G_CATEGORIES.has(finding.category)) {
    flags.set(
      "eu-ai-act-art-5-1-g",
      flag(
        "eu-ai-act-art-5-1-g",
        `Check against EU AI Act Art. 5(1)(g): it prohibits biometric categorisation systems that categorise people by their biometric data to deduce or infer their race, political opinions, trade-union membership, religious or philosophical beliefs, sex life or sexual orientation. This finding suggests a capability to infer ${category}; whether the prohibition applies depends on how the software is placed on the market and used.`,
      ),
    );
  }
  if (finding.basis === "id-document" || reserved) {
    flags.set(
      "eu-ai-act-annex-iii-1-b",
      flag(
        "eu-ai-act-annex-iii-1-b",
        `Check against EU AI Act Annex III point 1(b): biometric categorisation according to sensitive or protected attributes is listed as high-risk.${reserved ? " The attribute is declared but marked not enabled; if it is enabled, Art. 5(1)(g) may also apply." : ""}`,
      ),
    );
  }
  const vendorIds = new Set([...(rule?.vendors ?? []), ...(finding.data["vendor"] ?? "").split(",")]);
  const covered = [...vendorIds]
    .map((vendor) => NDAA_889_VENDORS[vendor.trim().toLowerCase()])
    .filter((name): name is string => name !== undefined)
    .sort();
  if (covered.length > 0) {
    flags.set(
      "us-ndaa-889",
      flag(
        "us-ndaa-889",
        `Check against US NDAA FY2019 §889: the rule follows the vocabulary of ${covered.join(", ")}, named among the covered vendors whose video-surveillance and telecommunications equipment US federal agencies may not procure. The match identifies the vocabulary, which suggests but does not prove the product's origin.`,
      ),
    );
  }
  flags.set(
    "gdpr-art-9",
    flag(
      "gdpr-art-9",
      `Check against GDPR Art. 9: data revealing ${GDPR_ART_9_TERMS[finding.category]} is a special category of personal data, which Art. 9(1) allows to be processed only under one of the exceptions of Art. 9(2).`,
    ),
  );
  // Ids the rule names that we have no derived wording for are still shown, as the rule's own flags.
  for (const id of rule?.compliance ?? []) {
    if (!flags.has(id)) {
      flags.set(
        id,
        flag(
          id,
          FLAG_LABELS[id] === undefined
            ? `The rule flags this finding for review under ${id}.`
            : `The rule flags this finding for review under ${FLAG_LABELS[id]}.`,
        ),
      );
    }
  }
  const rank = (id: string): number => {
    const index = FLAG_ORDER.indexOf(id);
    return index === -1 ? FLAG_ORDER.length : index;
  };
  return [...flags.values()].sort(
    (a, b) => rank(a.id) - rank(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** The one place the words for a finding are written; every reporter and the UI use it. */
export function describeFinding(finding: Finding, rule?: RuleSummary): FindingDescription {
  const title =
    rule?.title !== undefined && rule.title !== ""
      ? rule.title
      : `${CATEGORY_LABELS[finding.category]} attribute (${finding.ruleId})`;
  return {
    title,
    message: messageFor(finding, title),
    basisText: BASIS_TEXTS[finding.basis],
    complianceFlags: complianceFlags(finding, rule),
  };
}

/** Looks up the rule summaries of a report by id. */
export function ruleIndex(rules: readonly RuleSummary[]): ReadonlyMap<string, RuleSummary> {
  return new Map(rules.map((rule) => [rule.id, rule]));
}
