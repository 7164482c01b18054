import type { Finding } from "../model/finding.js";
import type { ScanReport } from "../model/report.js";
import { compare } from "./assemble.js";

/**
 * Compares two scan reports, typically of two releases of the same SDK.
 *
 * What "the same finding" means when the file changed: a finding's fingerprint includes the leaf file's
 * hash, so any edit anywhere in a header gives every finding in it a new fingerprint. Matching therefore
 * goes in three passes, each over what the previous left unmatched:
 *   1. `fingerprint`: same rule, same leaf bytes, same matched bytes, same ordinal: the file is unchanged.
 *   2. `content`: same rule, same matched bytes (matchHex), same logical path: the chain of paths with the
 *      scanned root stripped (`sdk-v1/include/a.h` and `sdk-v2/include/a.h` are both `include/a.h`; two
 *      single-file scans compare their contents), paired in offset order when a file holds several.
 *      An attribute line kept while the header was edited elsewhere counts as unchanged.
 *   3. `moved`: same rule and matched bytes in a leaf with the same file name elsewhere.
 * What is left is removed (old) or added (new).
 *
 * Rename hints: vendors rename such attributes once they are exposed. For each removed finding inside an
 * enum, struct, class, list or object, a finding of the new report at the same position of a scope with the
 * same name (data.scopeIndex from the analyzer) but with another member name suggests a rename; without a
 * scope index, the same line after the shift seen on unchanged findings of that scope is used.
 */

export type MatchKind = "fingerprint" | "content" | "moved";

export interface UnchangedPair {
  readonly old: Finding;
  readonly new: Finding;
  readonly matchedBy: MatchKind;
}

export interface RenameHint {
  readonly removed: Finding;
  /** The new-report finding whose member sits where the removed one was. */
  readonly candidate: Finding;
  readonly oldName: string;
  readonly newName: string;
  /** How the position was established, e.g. "member 2 of enum tagEM_NATION_TYPE". */
  readonly basis: string;
}

export interface ReportDiff {
  readonly added: readonly Finding[];
  readonly removed: readonly Finding[];
  readonly unchanged: readonly UnchangedPair[];
  readonly renamed: readonly RenameHint[];
}

function normalizeInput(input: string): string {
  return input
    .replace(/\\/gu, "/")
    .replace(/^(?:\.\/)+/u, "")
    .replace(/(?<=.)\/+$/u, "");
}

/** The outer path relative to the input it was found under (see the header comment). */
export function logicalOuterPath(path: string, inputs: readonly string[]): string {
  const normalized = normalizeInput(path);
  let best: string | undefined;
  for (const input of inputs.map(normalizeInput)) {
    if (normalized === input || normalized.startsWith(`${input}/`)) {
      if (best === undefined || input.length > best.length) best = input;
    }
  }
  if (best === undefined) return normalized;
  if (normalized === best) return inputs.length === 1 ? "" : (best.split("/").pop() ?? best);
  return normalized.slice(best.length + 1);
}

export function logicalLocation(finding: Finding, inputs: readonly string[]): string {
  const [outer, ...inner] = finding.layers;
  const head = outer === undefined ? finding.location : logicalOuterPath(outer.path, inputs);
  return [
    head,
    ...inner.map((layer) =>
      layer.carvedAt === undefined ? layer.path : `@0x${layer.carvedAt.toString(16)}`,
    ),
  ].join("!");
}

function leafName(finding: Finding): string {
  const leaf = finding.layers[finding.layers.length - 1];
  return (leaf?.path ?? finding.location).split("/").pop() ?? "";
}

function groupBy(findings: readonly Finding[], key: (finding: Finding) => string): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const name = key(finding);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [finding]);
    else group.push(finding);
  }
  for (const group of groups.values())
    group.sort((a, b) => a.offset - b.offset || compare(a.location, b.location));
  return groups;
}

/** Pairs findings with equal keys in order; returns the pairs and what is left on each side. */
function pairBy(
  olds: readonly Finding[],
  news: readonly Finding[],
  key: (finding: Finding, side: "old" | "new") => string,
  matchedBy: MatchKind,
): { pairs: UnchangedPair[]; oldLeft: Finding[]; newLeft: Finding[] } {
  const oldGroups = groupBy(olds, (finding) => key(finding, "old"));
  const newGroups = groupBy(news, (finding) => key(finding, "new"));
  const pairs: UnchangedPair[] = [];
  const pairedOld = new Set<Finding>();
  const pairedNew = new Set<Finding>();
  for (const [name, oldGroup] of oldGroups) {
    const newGroup = newGroups.get(name) ?? [];
    const count = Math.min(oldGroup.length, newGroup.length);
    for (let i = 0; i < count; i++) {
      pairs.push({ old: oldGroup[i]!, new: newGroup[i]!, matchedBy });
      pairedOld.add(oldGroup[i]!);
      pairedNew.add(newGroup[i]!);
    }
  }
  return {
    pairs,
    oldLeft: olds.filter((finding) => !pairedOld.has(finding)),
    newLeft: news.filter((finding) => !pairedNew.has(finding)),
  };
}

const POSITIONAL_SCOPES = new Set(["enum", "struct", "class", "list", "object"]);

/**
 * The member a finding names. For a hit in a comment only the analyzer's memberName (the member the comment
 * belongs to) counts: its identifier is the comment text.
 */
function memberName(finding: Finding): string | undefined {
  const comment = finding.messageId === "comment" || finding.data["inComment"] === "true";
  if (comment) return finding.data["memberName"];
  return finding.data["memberName"] ?? finding.data["identifier"] ?? finding.match;
}

function scopeKey(finding: Finding, inputs: readonly string[]): string | undefined {
  const scope = finding.scope;
  if (scope === undefined || !POSITIONAL_SCOPES.has(scope.kind)) return undefined;
  return `${logicalLocation(finding, inputs)}\u0000${scope.kind}\u0000${scope.name ?? ""}`;
}

function renameHints(
  removed: readonly Finding[],
  oldReport: ScanReport,
  newReport: ScanReport,
  unchanged: readonly UnchangedPair[],
): RenameHint[] {
  const hints: RenameHint[] = [];
  const byPosition = new Map<string, Finding[]>();
  const byScope = new Map<string, Finding[]>();
  for (const finding of newReport.findings) {
    const key = scopeKey(finding, newReport.inputs);
    if (key === undefined) continue;
    const index = finding.data["scopeIndex"];
    if (index !== undefined)
      byPosition.set(`${key}\u0000${index}`, [...(byPosition.get(`${key}\u0000${index}`) ?? []), finding]);
    byScope.set(key, [...(byScope.get(key) ?? []), finding]);
  }
  for (const gone of removed) {
    const key = scopeKey(gone, oldReport.inputs);
    if (key === undefined) continue;
    const oldName = memberName(gone);
    if (oldName === undefined) continue;
    const renamedHere = (finding: Finding): boolean => {
      const name = memberName(finding);
      return name !== undefined && name !== oldName;
    };
    const scopeLabel = `${gone.scope!.kind} ${gone.scope!.name ?? "(unnamed)"}`;
    const index = gone.data["scopeIndex"];
    let candidate: Finding | undefined;
    let basis = "";
    if (index !== undefined) {
      candidate = (byPosition.get(`${key}\u0000${index}`) ?? []).find(renamedHere);
      basis = `member ${Number(index) + 1} of ${scopeLabel}`;
    }
    if (candidate === undefined && gone.line !== undefined) {
      // The line shift of this scope, from findings that stayed; no shift when none stayed.
      const shifts = unchanged
        .filter(
          (pair) =>
            scopeKey(pair.old, oldReport.inputs) === key &&
            pair.old.line !== undefined &&
            pair.new.line !== undefined,
        )
        .map((pair) => ({
          distance: Math.abs(pair.old.line! - gone.line!),
          shift: pair.new.line! - pair.old.line!,
        }))
        .sort((a, b) => a.distance - b.distance);
      const shift = shifts[0]?.shift ?? 0;
      const line = gone.line + shift;
      candidate = (byScope.get(key) ?? []).find((finding) => finding.line === line && renamedHere(finding));
      basis = `line ${line} of ${scopeLabel} (was line ${gone.line})`;
    }
    if (candidate !== undefined) {
      hints.push({ removed: gone, candidate, oldName, newName: memberName(candidate)!, basis });
    }
  }
  return hints;
}

/** Findings added, removed and unchanged between two reports, with rename hints. */
export function diffReports(oldReport: ScanReport, newReport: ScanReport): ReportDiff {
  const first = pairBy(
    oldReport.findings,
    newReport.findings,
    (finding) => finding.fingerprint,
    "fingerprint",
  );
  const second = pairBy(
    first.oldLeft,
    first.newLeft,
    (finding, side) =>
      `${finding.ruleId}\u0000${finding.matchHex}\u0000${logicalLocation(finding, side === "old" ? oldReport.inputs : newReport.inputs)}`,
    "content",
  );
  const third = pairBy(
    second.oldLeft,
    second.newLeft,
    (finding) => `${finding.ruleId}\u0000${finding.matchHex}\u0000${leafName(finding)}`,
    "moved",
  );
  const unchanged = [...first.pairs, ...second.pairs, ...third.pairs].sort(
    (a, b) =>
      compare(a.new.location, b.new.location) ||
      a.new.offset - b.new.offset ||
      compare(a.new.ruleId, b.new.ruleId),
  );
  const removed = third.oldLeft;
  return {
    added: third.newLeft,
    removed,
    unchanged,
    renamed: renameHints(removed, oldReport, newReport, unchanged),
  };
}
