export {
  compileRulePack,
  patternsOf,
  rulePackHash,
  RULE_FORMAT_VERSION,
  type CompiledPattern,
  type CompiledRulePack,
  type CompiledTerm,
  type TermRef,
} from "./compile.js";
export { BUILTIN_RULES_DIR, loadRulePack, loadRules, type LoadRulesOptions } from "./loader.js";
export { parseRuleText, RULE_SCHEMA_URL, type ParseResult } from "./parse-rule.js";
export { formatProblem, RuleError, type RuleErrorCode, type RuleProblem } from "./rule-error.js";
export {
  scanBytes,
  testRules,
  type RuleTestReport,
  type RuleTestResult,
  type SampleResult,
} from "./tester.js";
export type { PatternSpec, WhereSpec } from "./types.js";
