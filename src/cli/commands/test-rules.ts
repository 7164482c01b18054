import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadRulePack } from "../../rules/loader.js";
import { RuleError } from "../../rules/rule-error.js";
import { testRules, type RuleTestReport } from "../../rules/tester.js";
import type { CommandIo, CommandResult } from "../command.js";

const HELP = `Usage: custodiet test-rules [PATH...] [--no-builtin] [--verbose]

Runs the inline match / no-match samples of every rule through the real matcher and analyzer.
PATH are extra rule files or folders (searched for *.yaml and *.yml); the bundled pack is tested too
unless --no-builtin is given.
Exit codes: 0 every sample passed, 1 some sample failed, 2 a rule file is malformed.`;

/** The text report: one line per rule, the failing samples under it, and the summary line last. */
export function formatRuleTestReport(report: RuleTestReport, verbose = false): string {
  const lines: string[] = [];
  for (const rule of report.rules) {
    lines.push(
      `${rule.passed ? "ok  " : "FAIL"} ${rule.ruleId}  (${rule.file}, ${rule.samples.length} samples)`,
    );
    for (const sample of rule.samples) {
      if (sample.passed && !verbose) continue;
      const label = `${sample.side}[${sample.index}]${sample.name === undefined ? "" : ` "${sample.name}"`} (${sample.encoding})`;
      lines.push(
        `       ${sample.passed ? "ok  " : "FAIL"} ${label}${sample.reason === undefined ? "" : `: ${sample.reason}`}`,
      );
    }
  }
  lines.push(`${report.passed} passed, ${report.failed} failed`);
  return `${lines.join("\n")}\n`;
}

export async function runTestRules(argv: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "no-builtin": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return { exitCode: 0, stdout: `${HELP}\n`, stderr: "" };
  const paths = positionals.map((path) => (isAbsolute(path) ? path : resolve(io.cwd, path)));
  let pack;
  try {
    pack = await loadRulePack({ paths, builtin: !values["no-builtin"] });
  } catch (error) {
    if (error instanceof RuleError)
      return {
        exitCode: 2,
        stdout: "",
        stderr: `custodiet test-rules: cannot load the rules\n${error.message}\n`,
      };
    throw error;
  }
  const report = testRules(pack);
  return {
    exitCode: report.failed > 0 ? 1 : 0,
    stdout: formatRuleTestReport(report, values.verbose),
    stderr: "",
  };
}
