import type { CoverageEntry } from "../model/coverage.js";
import type { Finding } from "../model/finding.js";
import type { LocationLayer } from "../model/location.js";
import type { RuleSummary, ScanReport } from "../model/report.js";
import type { Severity } from "../model/rule.js";
import { describeFinding } from "./describe-finding.js";
import { jsonPieces } from "./json-reporter.js";
import { BASIS_TEXTS, CATEGORY_LABELS, COVERAGE_REASON_LABELS, ENCODING_LABELS } from "./labels.js";

/**
 * SARIF 2.1.0. Choices:
 * - The primary location is the file the user named (outermost layer), so every SARIF viewer can open it;
 *   its region carries byteOffset/byteLength (and startLine/startColumn) only when the finding is in that
 *   file itself. For a finding inside a container, the exact region lies in a nested artifact
 *   (`artifacts[]` with `parentIndex`, uri = member path, as SARIF §3.24 describes nested artifacts) and is
 *   given as `relatedLocations[0]`; the display chain is in `properties.locationChain`.
 * - Every layer of every chain (findings and coverage) is an artifact with its SHA-256.
 * - Skipped and partial artifacts are tool execution notifications, so a SARIF consumer sees the gaps.
 */

type Json = Record<string, unknown>;

const LEVELS = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
} as const satisfies Record<Severity, "error" | "warning" | "note">;

/** GitHub code scanning reads this 0–10 score for its own severity labels. */
const SECURITY_SEVERITY = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "1.0",
} as const satisfies Record<Severity, string>;

const FINGERPRINT_KEY = "custodietContentFingerprint/v1";

function encodeSegments(path: string): string {
  return path
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/** A URI reference for a path as recorded in a layer; relative paths stay relative. */
export function pathToUri(path: string, nested: boolean): string {
  const normalized = path.replace(/\\/gu, "/");
  if (nested) return encodeSegments(normalized.replace(/^\/+/u, ""));
  if (/^[A-Za-z]:\//u.test(normalized))
    return `file:///${normalized.slice(0, 2)}${encodeSegments(normalized.slice(2))}`;
  if (normalized.startsWith("/")) return `file://${encodeSegments(normalized)}`;
  return encodeSegments(normalized);
}

function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/u)
    .filter((part) => part !== "")
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}

function chainKey(layers: readonly LocationLayer[], depth: number): string {
  return layers
    .slice(0, depth + 1)
    .map((layer) => `${layer.path}\u0000${layer.sha256}`)
    .join("\u0001");
}

class ArtifactTable {
  readonly artifacts: Json[] = [];
  private readonly indexes = new Map<string, number>();

  /** Adds every prefix of the chain; returns the index of each layer. */
  add(layers: readonly LocationLayer[], coverage?: CoverageEntry): number[] {
    const out: number[] = [];
    layers.forEach((layer, depth) => {
      const key = chainKey(layers, depth);
      let index = this.indexes.get(key);
      if (index === undefined) {
        index = this.artifacts.length;
        this.indexes.set(key, index);
        const parent = out[depth - 1];
        this.artifacts.push({
          location: { uri: pathToUri(layer.path, depth > 0) },
          ...(parent === undefined ? {} : { parentIndex: parent }),
          length: layer.size,
          roles: ["analysisTarget"],
          ...(layer.sha256 === "" ? {} : { hashes: { "sha-256": layer.sha256 } }),
          properties: {
            via: layer.via,
            ...(layer.offsetInParent === undefined ? {} : { offsetInParent: layer.offsetInParent }),
            ...(layer.carvedAt === undefined ? {} : { carvedAt: layer.carvedAt }),
            ...(layer.element === undefined ? {} : { element: layer.element }),
          },
        });
      }
      const artifact = this.artifacts[index]!;
      if (coverage !== undefined && depth === layers.length - 1) {
        const properties = artifact["properties"] as Json;
        properties["coverageStatus"] = coverage.status;
        if (coverage.reason !== undefined) properties["coverageReason"] = coverage.reason;
        if (coverage.format !== undefined) properties["format"] = coverage.format;
      }
      out.push(index);
    });
    return out;
  }
}

function ruleDescriptor(rule: RuleSummary): Json {
  const references = rule.references.map((reference) => `- ${reference}`).join("\n");
  const text = [
    rule.description,
    "",
    `Category: ${CATEGORY_LABELS[rule.category]}. ${BASIS_TEXTS[rule.basis]}`,
    ...(rule.references.length > 0 ? ["", "References:", references] : []),
  ].join("\n");
  const markdownReferences = rule.references
    .map((reference) => `- ${escapeMarkdownInline(reference)}`)
    .join("\n");
  const markdown = [
    escapeMarkdownInline(rule.description),
    "",
    `**Category:** ${CATEGORY_LABELS[rule.category]}. ${BASIS_TEXTS[rule.basis]}`,
    ...(rule.references.length > 0 ? ["", "**References:**", "", markdownReferences] : []),
  ].join("\n");
  return {
    id: rule.id,
    name: ruleName(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text, markdown },
    defaultConfiguration: { level: LEVELS[rule.severity] },
    properties: {
      category: rule.category,
      basis: rule.basis,
      severity: rule.severity,
      confidence: rule.confidence,
      compliance: [...rule.compliance],
      vendors: [...rule.vendors],
      tags: ["security", "profiling", rule.category, rule.basis],
      precision: rule.confidence === "high" ? "high" : rule.confidence,
      "security-severity": SECURITY_SEVERITY[rule.severity],
    },
  };
}

/** Escapes Markdown outside `code` spans (rule texts use them for identifiers); code spans stay as they are. */
function escapeMarkdownInline(text: string): string {
  return text
    .split("`")
    .map((part, index, parts) =>
      index % 2 === 1 && index < parts.length - 1
        ? `\`${part}\``
        : (index % 2 === 1 ? "\\`" : "") + part.replace(/[\\*_[\]<>|#]/gu, (char) => `\\${char}`),
    )
    .join("");
}

/** A rule summary for findings whose rule is missing from `report.rules` (should not happen; stay valid). */
function fallbackRule(finding: Finding): RuleSummary {
  return {
    id: finding.ruleId,
    title: finding.ruleId,
    description: `Rule ${finding.ruleId}.`,
    category: finding.category,
    basis: finding.basis,
    severity: finding.severity,
    confidence: finding.confidence,
    references: [],
    compliance: [],
    vendors: [],
  };
}

function region(finding: Finding): Json {
  return {
    byteOffset: finding.offset,
    byteLength: finding.length,
    ...(finding.line === undefined ? {} : { startLine: finding.line }),
    ...(finding.line !== undefined && finding.column !== undefined ? { startColumn: finding.column } : {}),
    snippet: { text: finding.match },
  };
}

function result(finding: Finding, rule: RuleSummary, ruleIndex: number, artifacts: ArtifactTable): Json {
  const description = describeFinding(finding, rule);
  const indexes = artifacts.add(finding.layers);
  const outer = finding.layers[0]!;
  const nested = finding.layers.length > 1;
  const scope = finding.scope;
  const logical =
    scope?.name === undefined || scope.name === ""
      ? {}
      : {
          logicalLocations: [
            {
              name: scope.name,
              kind:
                scope.kind === "enum" || scope.kind === "struct" || scope.kind === "class"
                  ? "type"
                  : "object",
            },
          ],
        };
  const primary = {
    physicalLocation: {
      artifactLocation: { uri: pathToUri(outer.path, false), index: indexes[0] },
      ...(nested ? {} : { region: region(finding) }),
    },
    ...logical,
  };
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    kind: "fail",
    level: LEVELS[finding.severity],
    message: { text: description.message },
    locations: [primary],
    ...(nested
      ? {
          relatedLocations: [
            {
              id: 1,
              physicalLocation: {
                artifactLocation: {
                  uri: pathToUri(finding.layers[finding.layers.length - 1]!.path, true),
                  index: indexes[indexes.length - 1],
                },
                region: region(finding),
              },
              message: { text: `Matched bytes inside ${finding.location}` },
            },
          ],
        }
      : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    properties: {
      category: finding.category,
      basis: finding.basis,
      severity: finding.severity,
      confidence: finding.confidence,
      encoding: finding.encoding,
      encodingLabel: ENCODING_LABELS[finding.encoding],
      locationChain: finding.location,
      layers: finding.layers.map((layer) => ({
        path: layer.path,
        sha256: layer.sha256,
        size: layer.size,
        via: layer.via,
      })),
      match: finding.match,
      matchHex: finding.matchHex,
      excerpt: finding.excerpt,
      complianceFlags: description.complianceFlags.map((flag) => flag.id),
      ...(finding.scope === undefined ? {} : { scopeKind: finding.scope.kind }),
    },
  };
}

function notification(entry: CoverageEntry, artifacts: ArtifactTable): Json {
  const indexes = artifacts.add(entry.layers, entry);
  const reason = entry.reason === undefined ? entry.status : COVERAGE_REASON_LABELS[entry.reason];
  const detail = entry.detail === undefined ? "" : ` (${entry.detail})`;
  return {
    level: entry.status === "skipped" ? "warning" : "note",
    message: {
      text: `${entry.status === "skipped" ? "Not scanned" : "Partly scanned"}: ${entry.location}: ${reason}${detail}`,
    },
    descriptor: { id: entry.reason ?? entry.status },
    locations: [
      {
        physicalLocation: {
          artifactLocation: {
            uri: pathToUri(entry.layers[0]?.path ?? entry.location, false),
            index: indexes[0],
          },
        },
      },
    ],
    properties: { status: entry.status, location: entry.location, bytesScanned: entry.bytesScanned },
  };
}

/** The SARIF 2.1.0 log as JSON. */
export function formatSarif(report: ScanReport): string {
  return [...formatSarifPieces(report)].join("");
}

/**
 * formatSarif's text in pieces, down to each artifact, result and notification, for a log longer than one
 * string can be.
 */
export function* formatSarifPieces(report: ScanReport): Generator<string> {
  const artifacts = new ArtifactTable();
  const rules: RuleSummary[] = [...report.rules];
  const known = new Set(rules.map((rule) => rule.id));
  for (const finding of report.findings) {
    if (!known.has(finding.ruleId)) {
      known.add(finding.ruleId);
      rules.push(fallbackRule(finding));
    }
  }
  const ruleIndexes = new Map(rules.map((rule, index) => [rule.id, index]));
  const results = report.findings.map((finding) => {
    const index = ruleIndexes.get(finding.ruleId)!;
    return result(finding, rules[index]!, index, artifacts);
  });
  const notifications: Json[] = [];
  for (const entry of report.coverage) {
    if (entry.status === "scanned" && entry.reason === undefined) artifacts.add(entry.layers, entry);
    else notifications.push(notification(entry, artifacts));
  }
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules: rules.map((rule) => ruleDescriptor(rule)),
          },
        },
        invocations: [
          {
            // A stopped scan did not do all it was asked to; its findings stand.
            executionSuccessful: report.interrupted === undefined,
            ...(report.interrupted !== undefined
              ? { exitCodeDescription: `interrupted: ${report.interrupted}` }
              : {}),
            toolExecutionNotifications: notifications,
          },
        ],
        artifacts: artifacts.artifacts,
        results,
        columnKind: "utf16CodeUnits",
        properties: {
          schemaVersion: report.schemaVersion,
          rulePackHash: report.rulePack.hash,
          generatedAt: report.generatedAt,
          inputs: [...report.inputs],
          coverage: report.summary.artifacts,
        },
      },
    ],
  };
  // runs[0].invocations[0].toolExecutionNotifications[i] is six levels down.
  yield* jsonPieces(log, 6);
  yield "\n";
}
