import type { Finding } from "../model/finding.js";
import type { ScanReport } from "../model/report.js";
import { buildSummary, compare } from "./assemble.js";

/**
 * A baseline entry hides the findings of one rule on exactly these bytes in exactly this leaf file.
 * It is bound to content, not to a path or a line: a new finding on the same line (other bytes or another
 * rule) still shows, and when the file changes (another leaf hash) the entry no longer applies.
 */
export interface BaselineEntry {
  readonly ruleId: string;
  /** SHA-256 of the leaf (innermost layer) the finding is in. */
  readonly leafSha256: string;
  /** Lower-case hex of the matched bytes. */
  readonly matchHex: string;
  /** Why the finding is accepted; required. */
  readonly reason: string;
  /** ISO date (YYYY-MM-DD); from that day on the entry no longer hides anything and is reported as expired. */
  readonly expires?: string;
  /** For people reading the file only: where the finding was and what it matched. */
  readonly location?: string;
  readonly match?: string;
}

export interface Baseline {
  readonly schemaVersion: "1";
  readonly entries: readonly BaselineEntry[];
}

export interface BaselineResult {
  /** The report without the hidden findings; summary and rules recomputed. */
  readonly report: ScanReport;
  /** How many findings were hidden. */
  readonly suppressed: number;
  /** Entries in force that hid nothing. */
  readonly unused: readonly BaselineEntry[];
  /** Entries past their expiry date (they hid nothing). */
  readonly expired: readonly BaselineEntry[];
}

export class BaselineError extends Error {
  readonly code = "baseline";
}

function entryKey(ruleId: string, leafSha256: string, matchHex: string): string {
  return `${ruleId}\u0000${leafSha256.toLowerCase()}\u0000${matchHex.toLowerCase()}`;
}

function findingKey(finding: Finding): string {
  const leaf = finding.layers[finding.layers.length - 1];
  return entryKey(finding.ruleId, leaf?.sha256 ?? "", finding.matchHex);
}

/** `today` is an ISO date (YYYY-MM-DD) passed in by the caller, so the function stays pure. */
export function isExpired(entry: BaselineEntry, today: string): boolean {
  return entry.expires !== undefined && entry.expires <= today;
}

/** Hides the findings a baseline lists; reports the entries that hid nothing and those that expired. */
export function applyBaseline(report: ScanReport, baseline: Baseline, today: string): BaselineResult {
  const active = new Map<string, BaselineEntry>();
  const expired: BaselineEntry[] = [];
  for (const entry of baseline.entries) {
    if (isExpired(entry, today)) expired.push(entry);
    else active.set(entryKey(entry.ruleId, entry.leafSha256, entry.matchHex), entry);
  }
  const used = new Set<string>();
  const kept: Finding[] = [];
  for (const finding of report.findings) {
    const key = findingKey(finding);
    if (active.has(key)) used.add(key);
    else kept.push(finding);
  }
  const unused = [...active.entries()].filter(([key]) => !used.has(key)).map(([, entry]) => entry);
  const ruleIds = new Set(kept.map((finding) => finding.ruleId));
  return {
    report: {
      ...report,
      rules: report.rules.filter((rule) => ruleIds.has(rule.id)),
      findings: kept,
      summary: buildSummary(kept, report.coverage),
    },
    suppressed: report.findings.length - kept.length,
    unused,
    expired,
  };
}

export interface CreateBaselineOptions {
  readonly expires?: string;
}

/** A baseline that hides every finding of the report, each entry with the same reason. */
export function createBaseline(
  report: ScanReport,
  reason: string,
  options: CreateBaselineOptions = {},
): Baseline {
  if (reason.trim() === "") throw new BaselineError("a baseline needs a reason");
  if (options.expires !== undefined && !isIsoDate(options.expires)) {
    throw new BaselineError(`expiry "${options.expires}" is not a date like 2027-01-31`);
  }
  const entries = new Map<string, BaselineEntry>();
  for (const finding of report.findings) {
    const key = findingKey(finding);
    if (entries.has(key)) continue;
    entries.set(key, {
      ruleId: finding.ruleId,
      leafSha256: finding.layers[finding.layers.length - 1]?.sha256 ?? "",
      matchHex: finding.matchHex,
      reason,
      ...(options.expires === undefined ? {} : { expires: options.expires }),
      location: finding.location,
      match: finding.match,
    });
  }
  const sorted = [...entries.values()].sort(
    (a, b) =>
      compare(a.ruleId, b.ruleId) || compare(a.leafSha256, b.leafSha256) || compare(a.matchHex, b.matchHex),
  );
  return { schemaVersion: "1", entries: sorted };
}

export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/u.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a baseline file's text (JSON, schema/baseline.schema.json) and says exactly what is wrong with it.
 * `name` is used in the messages.
 */
export function parseBaseline(text: string, name = "baseline"): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(`${name}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isRecord(value) || !Array.isArray(value["entries"])) {
    throw new BaselineError(`${name}: expected an object with an "entries" array`);
  }
  if (value["schemaVersion"] !== "1") {
    throw new BaselineError(
      `${name}: unsupported schemaVersion ${JSON.stringify(value["schemaVersion"])} (expected "1")`,
    );
  }
  const entries = (value["entries"] as unknown[]).map((item, index): BaselineEntry => {
    const where = `${name}: entries[${index}]`;
    if (!isRecord(item)) throw new BaselineError(`${where}: expected an object`);
    const text = (key: string, required: boolean): string | undefined => {
      const member = item[key];
      if (member === undefined && !required) return undefined;
      if (typeof member !== "string" || (required && member.trim() === "")) {
        throw new BaselineError(`${where}: "${key}" must be a non-empty string`);
      }
      return member;
    };
    const ruleId = text("ruleId", true)!;
    const leafSha256 = text("leafSha256", true)!;
    const matchHex = text("matchHex", true)!;
    const reason = text("reason", true)!;
    const expires = text("expires", false);
    const location = text("location", false);
    const match = text("match", false);
    if (!/^[0-9a-f]{64}$/u.test(leafSha256))
      throw new BaselineError(`${where}: "leafSha256" must be 64 hex digits`);
    if (!/^(?:[0-9a-f]{2})+$/u.test(matchHex))
      throw new BaselineError(`${where}: "matchHex" must be lower-case hex bytes`);
    if (expires !== undefined && !isIsoDate(expires)) {
      throw new BaselineError(`${where}: "expires" must be a date like 2027-01-31`);
    }
    return {
      ruleId,
      leafSha256,
      matchHex,
      reason,
      ...(expires === undefined ? {} : { expires }),
      ...(location === undefined ? {} : { location }),
      ...(match === undefined ? {} : { match }),
    };
  });
  return { schemaVersion: "1", entries };
}
