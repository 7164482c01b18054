/** custodiet's library API: the CLI is a thin edge over these. */
export { scan, type ScanOptions, type ScanProgress } from "./engine/scan.js";
export { loadRulePack, compileRulePack, testRules, RuleError, type CompiledRulePack } from "./rules/index.js";
export { formatters, describeFinding, type Format } from "./report/index.js";
export { parseScanReport } from "./report/load-report.js";
export { diffReports, type ReportDiff } from "./findings/diff.js";
export { applyBaseline, createBaseline, parseBaseline, type Baseline } from "./findings/baseline.js";
export { writeEvidenceBundle, verifyEvidenceBundle, loadSigningKey } from "./evidence/index.js";
export { formatLocation } from "./findings/location.js";
export { isStrayPdfJsRejection } from "./extract/pdf-extractor.js";
export { run } from "./cli/run.js";
export { TOOL_VERSION } from "./version.js";
export type * from "./model/index.js";
export {
  BASES,
  CATEGORIES,
  CONFIDENCES,
  ENCODINGS,
  SEVERITIES,
  COVERAGE_REASONS,
  REPORT_SCHEMA_VERSION,
} from "./model/index.js";
