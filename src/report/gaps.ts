import type { CoverageEntry, CoverageReason, CoverageStatus } from "../model/coverage.js";
import { COVERAGE_REASON_LABELS } from "./labels.js";

/** Entries of one status and reason that a listing left out. */
export interface HiddenGaps {
  readonly status: CoverageStatus;
  readonly reason: CoverageReason | undefined;
  readonly count: number;
}

/**
 * The coverage entries that are not a plain "scanned", in report order, at most `perReason` of each status
 * and reason, and how many of each were left out. A firmware's root file system holds hundreds of symbolic
 * links, each "not followed": listed all, they would bury the few partial or corrupt entries (every one
 * stays in the JSON report).
 */
export function listedGaps(
  coverage: readonly CoverageEntry[],
  perReason: number,
): { shown: CoverageEntry[]; hidden: HiddenGaps[] } {
  const shown: CoverageEntry[] = [];
  const counts = new Map<string, HiddenGaps>();
  for (const entry of coverage) {
    if (entry.status === "scanned" && entry.reason === undefined) continue;
    const key = `${entry.status}\u0000${entry.reason ?? ""}`;
    const group = counts.get(key) ?? { status: entry.status, reason: entry.reason, count: 0 };
    counts.set(key, { ...group, count: group.count + 1 });
    if (group.count < perReason) shown.push(entry);
  }
  const hidden = [...counts.values()]
    .map((group) => ({ ...group, count: group.count - Math.min(group.count, perReason) }))
    .filter((group) => group.count > 0);
  return { shown, hidden };
}

/** "387 more skipped: not a regular file" */
export function describeHidden(group: HiddenGaps): string {
  const reason = group.reason === undefined ? "" : `: ${COVERAGE_REASON_LABELS[group.reason]}`;
  return `${group.count} more ${group.status}${reason}`;
}
