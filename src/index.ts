/** custodiet's library API: the CLI is a thin edge over these. */
export { scan, type ScanOptions, type ScanProgress } from "./engine/scan.js";
export { loadRulePack, compileRulePack, testRules, RuleError, type CompiledRulePack } from "./rules/index.js";
export { formatters, type Format } from "./report/index.js";
export { formatLocation } from "./findings/location.js";
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
