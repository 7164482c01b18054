import type { LocationLayer } from "./location.js";

export type CoverageStatus = "scanned" | "partial" | "skipped";

export const COVERAGE_REASONS = [
  "too-large",
  "unreadable",
  "permission-denied",
  "not-a-regular-file",
  "symlink-outside-root",
  "symlink-loop",
  "encrypted",
  "unknown-format",
  "corrupt",
  "unsupported",
  "budget-depth",
  "budget-total-bytes",
  "budget-ratio",
  "budget-members",
  "budget-time",
  "duplicate",
  "excluded",
  "interrupted",
] as const;
export type CoverageReason = (typeof COVERAGE_REASONS)[number];

/** Every artifact ends in the ledger exactly once. */
export interface CoverageEntry {
  readonly location: string;
  readonly layers: readonly LocationLayer[];
  readonly status: CoverageStatus;
  /** Present unless status is "scanned" without remarks. */
  readonly reason?: CoverageReason;
  /** Human detail, e.g. the error message or the budget value. */
  readonly detail?: string;
  /** Bytes that were run through the matcher. */
  readonly bytesScanned: number;
  /** The container format recognised, when any ("zip", "squashfs", …). */
  readonly format?: string;
}
