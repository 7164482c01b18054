import { describeHidden, listedGaps } from "./gaps.js";
import type { CoverageEntry } from "../model/coverage.js";
import type { Finding } from "../model/finding.js";
import type { RuleSummary, ScanReport } from "../model/report.js";
import { BASES, CATEGORIES, SEVERITIES } from "../model/rule.js";
import { describeFinding, ruleIndex } from "./describe-finding.js";
import { htmlDocument } from "./html-shell.js";
import {
  BASIS_LABELS,
  CATEGORY_LABELS,
  COVERAGE_REASON_LABELS,
  ENCODING_LABELS,
  SEVERITY_LABELS,
  asciiColumn,
  formatBytes,
  hexBytes,
  layerLabel,
  viaText,
  orderedCounts,
  plural,
  severityRank,
} from "./labels.js";
import { escapeHtml as h } from "./sanitize.js";

/** Hex view rows: at most this many bytes are shown of a match or of its context. */
const HEX_LIMIT = 256;
/**
 * A page a browser opens quickly: beyond these counts the detail is left to the JSON report (every finding
 * is still listed in the "at a glance" table, every gap in the coverage table).
 */
export const CARD_LIMIT = 500;
export const ARTIFACT_LIST_LIMIT = 5000;

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly className: string;
}

/**
 * A horizontal bar chart as inline SVG, a label above each bar: sized by attributes only, so the CSP needs
 * no inline styles; drawn at about the size it is shown, so the text stays legible.
 */
export function barChart(title: string, bars: readonly Bar[]): string {
  const rowHeight = 38;
  const width = 320;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const rows = bars.map((bar, index) => {
    const y = index * rowHeight;
    const barWidth = Math.max(3, Math.round(((width - 36) * bar.value) / max));
    return (
      `<text x="0" y="${y + 14}">${h(bar.label)}</text>` +
      `<rect class="${h(bar.className)}" x="0" y="${y + 20}" width="${barWidth}" height="12" rx="3"></rect>` +
      `<text class="value" x="${barWidth + 6}" y="${y + 31}">${bar.value}</text>`
    );
  });
  const height = Math.max(rowHeight, bars.length * rowHeight);
  return `<div class="chart"><h3>${h(title)}</h3><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${h(title)}"><title>${h(title)}</title>${rows.join("")}</svg></div>`;
}

/** A `hexdump -C` style view of bytes whose first byte is at `start`; bytes in [hitStart, hitEnd) marked. */
export function hexView(hex: string, start: number, hitStart: number, hitEnd: number): string {
  const all = hexBytes(hex);
  const bytes = all.slice(0, HEX_LIMIT);
  const rows: string[] = [];
  const width = Math.max(8, (start + bytes.length).toString(16).length);
  for (let row = 0; row < bytes.length; row += 16) {
    const chunk = bytes.slice(row, row + 16);
    const cells = chunk.map((pair, index) => {
      const position = start + row + index;
      const hit = position >= hitStart && position < hitEnd;
      return hit ? `<span class="hit">${pair}</span>` : pair;
    });
    const pad = "   ".repeat(16 - chunk.length);
    const ascii = asciiColumn(chunk);
    rows.push(
      `<span class="off">${(start + row).toString(16).padStart(width, "0")}</span>  ${cells.join(" ")}${pad}  |${h(ascii)}|`,
    );
  }
  if (all.length > bytes.length) {
    rows.push(`<span class="note">… ${all.length - bytes.length} more bytes not shown</span>`);
  }
  return `<pre class="hex">${rows.join("\n")}</pre>`;
}

function excerptHtml(finding: Finding): string {
  const [start, end] = finding.excerptMatch;
  const text = finding.excerpt;
  // A single-line excerpt of a text file gets its line number, as in an editor.
  const gutter =
    finding.line !== undefined && !text.includes("\n") ? `<span class="gutter">${finding.line}</span>` : "";
  return `<pre class="excerpt">${gutter}${h(text.slice(0, start))}<mark>${h(text.slice(start, end))}</mark>${h(text.slice(end))}</pre>`;
}

/**
 * The bytes around the match when the analyzer supplied them (`data.contextHex` starting at byte
 * `data.contextOffset` of the leaf); otherwise the matched bytes alone, at their true offset.
 */
function hexHtml(finding: Finding): string {
  const contextHex = finding.data["contextHex"];
  const contextOffset = Number(finding.data["contextOffset"]);
  if (
    contextHex !== undefined &&
    /^(?:[0-9a-f]{2})+$/u.test(contextHex) &&
    Number.isSafeInteger(contextOffset)
  ) {
    return hexView(contextHex, contextOffset, finding.offset, finding.offset + finding.length);
  }
  return hexView(finding.matchHex, finding.offset, finding.offset, finding.offset + finding.length);
}

/** Inline `code` spans of rule text become <code>; everything else is escaped text. */
export function inlineCode(text: string): string {
  return text
    .split("`")
    .map((part, index, parts) => {
      // An unpaired last backtick stays a literal backtick.
      if (index % 2 === 1 && index < parts.length - 1) return `<code>${h(part)}</code>`;
      return index % 2 === 1 ? h(`\`${part}`) : h(part);
    })
    .join("");
}

/**
 * A rule description as paragraphs. The rule pack writes "Why it matters: …" and "False-positive guards: …"
 * paragraphs; the guards interest engineers more than readers, so they fold away (and are not printed).
 */
export function ruleDescriptionHtml(description: string): string {
  const paragraphs = description
    .split(/\n\s*\n/u)
    .map((paragraph) => paragraph.replace(/\s+/gu, " ").trim())
    .filter((paragraph) => paragraph !== "");
  const guards = paragraphs.filter((paragraph) => /^false[- ]positive guards?:/iu.test(paragraph));
  const main = paragraphs.filter((paragraph) => !guards.includes(paragraph));
  const body = main.map((paragraph) => `<p class="why">${inlineCode(paragraph)}</p>`).join("");
  const folded =
    guards.length === 0
      ? ""
      : `<details class="guards"><summary>How the rule avoids false alarms</summary>${guards
          .map(
            (paragraph) => `<p>${inlineCode(paragraph.replace(/^false[- ]positive guards?:\s*/iu, ""))}</p>`,
          )
          .join("")}</details>`;
  return body + folded;
}

function referencesHtml(rule: RuleSummary | undefined): string {
  if (rule === undefined || rule.references.length === 0) return "";
  const items = rule.references.map((reference) => {
    // Only plain web links become links; anything else (a javascript: URL in a hostile rule file) stays text.
    if (/^https?:\/\/[^\s"<>]+$/iu.test(reference)) {
      return `<li><a href="${h(reference)}" rel="noreferrer noopener">${h(reference)}</a></li>`;
    }
    return `<li>${h(reference)}</li>`;
  });
  return `<div class="label">References</div><ul class="refs">${items.join("")}</ul>`;
}

/** Card ids: `finding-3`, or `added-finding-3` in a section of the diff, so ids stay unique on a page. */
function idPrefix(extraClass: string): string {
  const name = extraClass.trim();
  return name === "" ? "" : `${name}-`;
}

/** A compact table of every finding, in card order, each row linking to its card. */
export function glanceTable(
  findings: readonly Finding[],
  rules: readonly RuleSummary[],
  cards = findings.length,
): string {
  const index = ruleIndex(rules);
  const rows = findings
    .map((finding, position) => {
      const title = describeFinding(finding, index.get(finding.ruleId)).title;
      const line = finding.line === undefined ? "" : `:${finding.line}`;
      const number =
        position < cards ? `<a href="#finding-${position + 1}">${position + 1}</a>` : `${position + 1}`;
      return `<tr><td>${number}</td><td><span class="badge sev-${h(finding.severity)}">${h(SEVERITY_LABELS[finding.severity])}</span></td><td>${h(title)}<br><span class="meta">${h(CATEGORY_LABELS[finding.category])} · ${h(BASIS_LABELS[finding.basis])}</span></td><td class="mono">${h(finding.match)}</td><td class="mono">${h(finding.location)}${h(line)}</td></tr>`;
    })
    .join("");
  return `<table class="glance"><thead><tr><th>#</th><th>Severity</th><th>What</th><th>Match</th><th>Where</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function findingCard(
  finding: Finding,
  index: number,
  rule: RuleSummary | undefined,
  extraClass = "",
): string {
  const description = describeFinding(finding, rule);
  const chain = finding.layers
    .map((layer, depth) => {
      const how = depth === 0 ? "on disk" : viaText(layer.via);
      const where =
        layer.offsetInParent === undefined ? "" : `, at byte ${layer.offsetInParent} of its parent`;
      return (
        `<li><span class="mono">${h(layerLabel(layer))}</span> <span class="via">(${h(how)}${where}, ${h(formatBytes(layer.size))})</span>` +
        `<span class="hash mono">SHA-256 ${h(layer.sha256 === "" ? "not available" : layer.sha256)}</span></li>`
      );
    })
    .join("");
  const position =
    finding.line === undefined
      ? "—"
      : `${finding.line}${finding.column === undefined ? "" : `, column ${finding.column}`}`;
  const scope =
    finding.scope === undefined
      ? "—"
      : `${finding.scope.kind}${finding.scope.name === undefined ? "" : ` ${finding.scope.name}`}`;
  const facts: [string, string][] = [
    ["Byte offset", `${finding.offset} (0x${finding.offset.toString(16)})`],
    ["Length", plural(finding.length, "byte")],
    ["Encoding", ENCODING_LABELS[finding.encoding]],
    ["Line", position],
    ["Scope", scope],
    ["Confidence", finding.confidence],
  ];
  const flags = description.complianceFlags
    .map((flag) => `<li><b>${h(flag.label)}</b><br>${h(flag.text)}</li>`)
    .join("");
  return `<article class="card${extraClass}" id="${h(idPrefix(extraClass))}finding-${index + 1}">
<div class="card-head"><span class="badge sev-${h(finding.severity)}">${h(SEVERITY_LABELS[finding.severity])}</span>
<div class="titles"><h3>${h(description.title)}</h3>
<div class="chips"><span class="chip">${h(CATEGORY_LABELS[finding.category])}</span><span class="chip">${h(BASIS_LABELS[finding.basis])}</span><span class="chip mono">${h(finding.ruleId)}</span></div></div>
<span class="meta">#${index + 1}</span></div>
<div class="card-body">
<p class="message">${h(description.message)}</p>
<div class="label">Where</div><ol class="chain">${chain}</ol>
<dl class="facts">${facts.map(([term, value]) => `<div><dt>${term}</dt><dd>${h(value)}</dd></div>`).join("")}</dl>
<div class="label">Decoded text around the match</div>${excerptHtml(finding)}
<div class="label">Bytes (hex, offsets in the innermost file)</div>${hexHtml(finding)}
<div class="label">What this means</div><p class="why">${h(description.basisText)}</p>
${rule === undefined ? "" : `<div class="label">About the rule</div>${ruleDescriptionHtml(rule.description)}`}
${flags === "" ? "" : `<div class="label">Flags for review</div><ul class="flags">${flags}</ul>`}
${referencesHtml(rule)}
<div class="label">Fingerprint</div><p class="mono meta">${h(finding.fingerprint)}</p>
</div></article>`;
}

export function findingCards(
  findings: readonly Finding[],
  rules: readonly RuleSummary[],
  extraClass = "",
): string {
  const index = ruleIndex(rules);
  return findings
    .map((finding, position) => findingCard(finding, position, index.get(finding.ruleId), extraClass))
    .join("\n");
}

/** Most severe first, then the report's own (deterministic) order: what a reader should see first. */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return findings
    .map((finding, position) => ({ finding, position }))
    .sort(
      (a, b) =>
        severityRank(b.finding.severity) - severityRank(a.finding.severity) || a.position - b.position,
    )
    .map((item) => item.finding);
}

/** Coverage entries listed per status and reason; the rest are counted (the JSON report lists them all). */
const HTML_GAPS_PER_REASON = 200;

function coverageHtml(report: ScanReport): string {
  const { scanned, partial, skipped } = report.summary.artifacts;
  const { shown: gaps, hidden } = listedGaps(report.coverage, HTML_GAPS_PER_REASON);
  const row = (entry: CoverageEntry): string => {
    const reason = entry.reason === undefined ? "" : COVERAGE_REASON_LABELS[entry.reason];
    return `<tr><td class="status-${h(entry.status)}">${h(entry.status)}</td><td class="mono">${h(entry.location)}</td><td>${h(reason)}${entry.detail === undefined ? "" : `<br><span class="meta">${h(entry.detail)}</span>`}</td></tr>`;
  };
  const gapTable =
    gaps.length === 0
      ? `<p class="empty">Every artifact was scanned in full.</p>`
      : `<p>These artifacts were <b>not scanned, or only in part</b>. A capability that is absent from the findings may still be inside them.</p>
<table><thead><tr><th>Status</th><th>Artifact</th><th>Why</th></tr></thead><tbody>${gaps.map(row).join("")}</tbody></table>${
          hidden.length === 0
            ? ""
            : `<p class="meta">And ${h(hidden.map((group) => describeHidden(group)).join("; "))}: all are in the JSON report.</p>`
        }`;
  const listed = report.coverage.slice(0, ARTIFACT_LIST_LIMIT);
  const more =
    report.coverage.length > listed.length
      ? `<p class="meta">The first ${listed.length} are listed; all ${report.coverage.length} are in the JSON report.</p>`
      : "";
  const all = listed
    .map(
      (entry) =>
        `<tr><td class="status-${h(entry.status)}">${h(entry.status)}</td><td class="mono">${h(entry.location)}</td><td class="mono">${h(entry.layers[entry.layers.length - 1]?.sha256 ?? "")}</td><td>${h(formatBytes(entry.bytesScanned))}</td></tr>`,
    )
    .join("");
  return `<h2 id="coverage">What was scanned</h2>
<p>${plural(scanned, "artifact")} scanned in full, ${partial} in part, ${skipped} not scanned; ${h(formatBytes(report.summary.bytesScanned))} of content searched.</p>
${gapTable}
<details><summary>All ${plural(report.coverage.length, "artifact")} with their SHA-256</summary>${more}
<table><thead><tr><th>Status</th><th>Artifact</th><th>SHA-256</th><th>Searched</th></tr></thead><tbody>${all}</tbody></table></details>`;
}

/** "ethnicity, race and skin colour" */
function listJoin(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

/** The one sentence a reader takes away, built from the counts only. */
export function leadSentence(report: ScanReport): string {
  const summary = report.summary;
  const files = new Set(report.findings.map((finding) => finding.location)).size;
  const scanned = summary.artifacts.scanned + summary.artifacts.partial;
  const stopped =
    report.interrupted === undefined
      ? ""
      : `The scan was stopped before it finished (${report.interrupted}); this report covers what was scanned until then. `;
  if (summary.findings === 0) {
    return `${stopped}custodiet found no profiling capability in the ${plural(scanned, "artifact")} it scanned.`;
  }
  const categories = listJoin(
    orderedCounts(summary.byCategory, CATEGORIES).map(([key]) => CATEGORY_LABELS[key].toLowerCase()),
  );
  const inferred = summary.byBasis.inferred ?? 0;
  const how =
    inferred > 0
      ? ` In ${inferred} of them the software appears to infer the attribute from a person's face, body or voice.`
      : "";
  return `${stopped}custodiet found ${plural(summary.findings, "place")} in ${plural(files, "file")} where the software handles ${categories}.${how}`;
}

function summaryHtml(report: ScanReport): string {
  const summary = report.summary;
  const inferred = summary.byBasis.inferred ?? 0;
  const critical = (summary.bySeverity.critical ?? 0) + (summary.bySeverity.high ?? 0);
  const gaps = summary.artifacts.partial + summary.artifacts.skipped;
  const stats = [
    `<div class="stat${summary.findings > 0 ? " alert" : ""}"><b>${summary.findings}</b>${summary.findings === 1 ? "finding" : "findings"}</div>`,
    `<div class="stat${inferred > 0 ? " alert" : ""}"><b>${inferred}</b>inferred from a face, body or voice</div>`,
    `<div class="stat"><b>${critical}</b>of high or critical severity</div>`,
    `<div class="stat"><b>${gaps}</b>${gaps === 1 ? "artifact" : "artifacts"} not fully scanned</div>`,
  ];
  const charts =
    summary.findings === 0
      ? ""
      : `<div class="charts">${barChart(
          "By category",
          orderedCounts(summary.byCategory, CATEGORIES).map(([key, value]) => ({
            label: CATEGORY_LABELS[key],
            value,
            className: "bar-plain",
          })),
        )}${barChart(
          "By basis",
          orderedCounts(summary.byBasis, BASES).map(([key, value]) => ({
            label: BASIS_LABELS[key],
            value,
            className: "bar-plain",
          })),
        )}${barChart(
          "By severity",
          orderedCounts(summary.bySeverity, [...SEVERITIES].reverse()).map(([key, value]) => ({
            label: SEVERITY_LABELS[key],
            value,
            className: `bar-${key}`,
          })),
        )}</div>`;
  return `<div class="stats">${stats.join("")}</div>${charts}`;
}

function findingsHtml(report: ScanReport): string {
  if (report.findings.length === 0) {
    return `<h2 id="findings">Findings</h2><p class="empty">No findings at or above severity ${h(report.options.minSeverity)}.</p>`;
  }
  const ordered = bySeverity(report.findings);
  const shown = ordered.slice(0, CARD_LIMIT);
  const note =
    shown.length < ordered.length
      ? `<p class="empty">The ${shown.length} most severe findings are shown in detail below; all ${ordered.length} are in the table above and in the JSON report.</p>`
      : "";
  return `<h2 id="glance">At a glance</h2>${glanceTable(ordered, report.rules, shown.length)}
<h2 id="findings">Findings</h2>${note}
${findingCards(shown, report.rules)}`;
}

/** The self-contained HTML report: summary with charts, one card per finding, the coverage. */
export function formatHtml(report: ScanReport): string {
  const inputs = report.inputs.length === 0 ? "the inputs" : report.inputs.join(", ");
  const body = `<header class="masthead">
<div class="eyebrow">custodiet evidence report</div>
<h1>Profiling capabilities in ${h(inputs)}</h1>
<div class="meta"><span>Generated ${h(report.generatedAt)}</span><span>custodiet ${h(report.tool.version)}</span><span>Rule pack <span class="mono">${h(report.rulePack.hash.slice(0, 16))}</span> (${plural(report.rulePack.ruleCount, "rule")})</span><span>Report schema ${h(report.schemaVersion)}</span></div>
</header>
<section class="intro"><p>custodiet searches software (SDK headers, libraries, firmware, apps, manuals) for code that lets it sort people by <b>ethnicity, race, skin colour, religion</b> or the other sensitive classes of EU AI Act Art. 5(1)(g). Each finding below shows the exact bytes in the exact file, with SHA-256 hashes so anyone can check them. custodiet itself never classifies people.</p>
<p>Legal references are <b>flags for review</b>, not conclusions: whether a rule applies depends on how the software is sold and used.</p></section>
<h2 id="summary">Summary</h2>
<p class="lead">${h(leadSentence(report))}</p>
${summaryHtml(report)}
${findingsHtml(report)}
${coverageHtml(report)}
<footer>custodiet ${h(report.tool.version)} · report schema ${h(report.schemaVersion)} · rule pack ${h(report.rulePack.hash)} · offsets are 0-based bytes in the innermost file, lines and columns 1-based.</footer>`;
  return htmlDocument(`custodiet report: ${inputs}`, body);
}
