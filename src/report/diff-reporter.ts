import type { ReportDiff } from "../findings/diff.js";
import type { Finding } from "../model/finding.js";
import type { RuleSummary, ScanReport } from "../model/report.js";
import { describeFinding, ruleIndex } from "./describe-finding.js";
import type { FormatOptions } from "./formatter.js";
import { htmlDocument } from "./html-shell.js";
import { bySeverity, findingCards } from "./html-reporter.js";
import { stableJson } from "./json-reporter.js";
import { CATEGORY_LABELS, ENCODING_LABELS, SEVERITY_LABELS, plural } from "./labels.js";
import { escapeControls, escapeHtml as h } from "./sanitize.js";

export const DIFF_FORMATS = ["text", "json", "html"] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export const DIFF_SCHEMA_VERSION = "1";

/** Old and new report side by side, for the renderers (rule summaries of both). */
export interface DiffInput {
  readonly diff: ReportDiff;
  readonly old: ScanReport;
  readonly new: ScanReport;
}

function rulesOf(input: DiffInput): ReadonlyMap<string, RuleSummary> {
  return ruleIndex([...input.old.rules, ...input.new.rules]);
}

function headline(input: DiffInput): string {
  const { diff } = input;
  return `${plural(diff.added.length, "finding")} added, ${diff.removed.length} removed, ${diff.unchanged.length} unchanged${
    diff.renamed.length > 0 ? `, ${plural(diff.renamed.length, "possible rename")}` : ""
  }`;
}

function side(report: ScanReport): string {
  // A finding "removed" against a stopped scan may only not have been reached.
  const stopped =
    report.interrupted === undefined ? "" : ` INTERRUPTED: ${report.interrupted}; a partial report`;
  return `${report.inputs.join(", ")} (custodiet ${report.tool.version}, rule pack ${report.rulePack.hash.slice(0, 12)}, ${report.generatedAt})${stopped}`;
}

function textLine(sign: string, finding: Finding, rules: ReadonlyMap<string, RuleSummary>): string {
  const title = describeFinding(finding, rules.get(finding.ruleId)).title;
  const line = finding.line === undefined ? "" : `:${finding.line}`;
  return `${sign} ${SEVERITY_LABELS[finding.severity].toUpperCase().padEnd(8)} ${escapeControls(finding.location)}${line}  “${escapeControls(finding.match)}”  ${escapeControls(finding.ruleId)} (${escapeControls(title)}), offset ${finding.offset}, ${ENCODING_LABELS[finding.encoding]}`;
}

export function formatDiffText(input: DiffInput, options: FormatOptions = {}): string {
  const color = options.color === true;
  const paint = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const rules = rulesOf(input);
  const out = [
    paint("1", `custodiet diff: ${headline(input)}`),
    `  old: ${escapeControls(side(input.old))}`,
    `  new: ${escapeControls(side(input.new))}`,
    "",
  ];
  if (input.diff.added.length > 0) {
    out.push(paint("1", "Added"));
    for (const finding of input.diff.added) out.push(paint("31", textLine("+", finding, rules)));
    out.push("");
  }
  if (input.diff.removed.length > 0) {
    out.push(paint("1", "Removed"));
    for (const finding of input.diff.removed) out.push(paint("32", textLine("-", finding, rules)));
    out.push("");
  }
  if (input.diff.renamed.length > 0) {
    out.push(paint("1", "Renamed?"));
    for (const hint of input.diff.renamed) {
      out.push(
        paint(
          "33",
          `? ${escapeControls(hint.oldName)} → ${escapeControls(hint.newName)}  at ${escapeControls(hint.basis)} in ${escapeControls(hint.candidate.location)}`,
        ),
      );
    }
    out.push("");
  }
  const byKind = new Map<string, number>();
  for (const pair of input.diff.unchanged) byKind.set(pair.matchedBy, (byKind.get(pair.matchedBy) ?? 0) + 1);
  out.push(
    `Unchanged: ${input.diff.unchanged.length}${
      byKind.size === 0
        ? ""
        : ` (${[...byKind.entries()]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([kind, count]) => `${count} by ${kind}`)
            .join(", ")})`
    }`,
  );
  return `${out.join("\n")}\n`;
}

function reportSide(report: ScanReport): Record<string, unknown> {
  return {
    tool: report.tool,
    rulePack: report.rulePack,
    generatedAt: report.generatedAt,
    inputs: report.inputs,
    findings: report.findings.length,
  };
}

export function formatDiffJson(input: DiffInput): string {
  const { diff } = input;
  return stableJson({
    schemaVersion: DIFF_SCHEMA_VERSION,
    old: reportSide(input.old),
    new: reportSide(input.new),
    summary: {
      added: diff.added.length,
      removed: diff.removed.length,
      unchanged: diff.unchanged.length,
      renamed: diff.renamed.length,
    },
    added: diff.added,
    removed: diff.removed,
    unchanged: diff.unchanged.map((pair) => ({
      old: pair.old.fingerprint,
      new: pair.new.fingerprint,
      matchedBy: pair.matchedBy,
      ruleId: pair.new.ruleId,
      location: pair.new.location,
      match: pair.new.match,
    })),
    renamed: diff.renamed.map((hint) => ({
      oldName: hint.oldName,
      newName: hint.newName,
      basis: hint.basis,
      removed: hint.removed.fingerprint,
      candidate: hint.candidate.fingerprint,
      location: hint.candidate.location,
    })),
  });
}

export function formatDiffHtml(input: DiffInput): string {
  const { diff } = input;
  const rules = [...input.old.rules, ...input.new.rules];
  const renamed =
    diff.renamed.length === 0
      ? ""
      : `<h2>Possibly renamed</h2><p>These attributes disappeared, and another name now sits in the same place. Vendors sometimes rename an exposed attribute rather than remove the capability.</p>
<table><thead><tr><th>Was</th><th>Now</th><th>Where</th></tr></thead><tbody>${diff.renamed
          .map(
            (hint) =>
              `<tr><td class="mono">${h(hint.oldName)}</td><td class="mono">${h(hint.newName)}</td><td>${h(hint.basis)}<br><span class="meta mono">${h(hint.candidate.location)}</span></td></tr>`,
          )
          .join("")}</tbody></table>`;
  const section = (title: string, intro: string, findings: readonly Finding[], extraClass: string): string =>
    findings.length === 0
      ? `<h2>${h(title)}</h2><p class="empty">None.</p>`
      : `<h2>${h(title)}</h2><p>${h(intro)}</p>${findingCards(bySeverity(findings), rules, ` ${extraClass}`)}`;
  const unchangedRows = diff.unchanged
    .map(
      (pair) =>
        `<tr><td>${h(SEVERITY_LABELS[pair.new.severity])}</td><td>${h(CATEGORY_LABELS[pair.new.category])}</td><td class="mono">${h(pair.new.match)}</td><td class="mono">${h(pair.new.location)}</td><td>${h(pair.matchedBy)}</td></tr>`,
    )
    .join("");
  const body = `<header class="masthead"><div class="eyebrow">custodiet version comparison</div>
<h1>${h(headline(input))}</h1>
<div class="meta"><span>Old: ${h(side(input.old))}</span></div>
<div class="meta"><span>New: ${h(side(input.new))}</span></div></header>
<div class="stats"><div class="stat${diff.added.length > 0 ? " alert" : ""}"><b>${diff.added.length}</b>added</div><div class="stat"><b>${diff.removed.length}</b>removed</div><div class="stat"><b>${diff.renamed.length}</b>possibly renamed</div><div class="stat"><b>${diff.unchanged.length}</b>unchanged</div></div>
${renamed}
${section("Added", "Found in the new version only.", diff.added, "added")}
${section("Removed", "Found in the old version only.", diff.removed, "removed")}
<h2>Unchanged</h2>${
    diff.unchanged.length === 0
      ? `<p class="empty">None.</p>`
      : `<table><thead><tr><th>Severity</th><th>Category</th><th>Match</th><th>Location (new)</th><th>Matched by</th></tr></thead><tbody>${unchangedRows}</tbody></table>`
  }
<footer>Matched by fingerprint: the same bytes in the same file. By content: the same rule and bytes at the same path, in a file that changed elsewhere. Moved: the same rule and bytes in a file of the same name elsewhere.</footer>`;
  return htmlDocument(`custodiet diff: ${headline(input)}`, body);
}

export const diffFormatters = {
  text: formatDiffText,
  json: formatDiffJson,
  html: formatDiffHtml,
} as const satisfies Record<DiffFormat, (input: DiffInput, options?: FormatOptions) => string>;

export function isDiffFormat(name: string): name is DiffFormat {
  return (DIFF_FORMATS as readonly string[]).includes(name);
}
