import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BaselineError, createBaseline } from "../../findings/baseline.js";
import { UsageError, type CommandIo, type CommandResult } from "../command.js";
import { readReportFile } from "./diff.js";

export const BASELINE_USAGE = `Usage: custodiet baseline create REPORT.json --reason TEXT [--expires YYYY-MM-DD] [--output FILE]

Writes a baseline that accepts every finding of a JSON scan report. Each entry is bound to content (rule
id, SHA-256 of the file, matched bytes) and carries the reason; pass it to "custodiet scan --baseline FILE".
Without --output the baseline goes to stdout.`;

export async function runBaseline(argv: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      reason: { type: "string" },
      expires: { type: "string" },
      output: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) return { exitCode: 0, stdout: `${BASELINE_USAGE}\n`, stderr: "" };
  const [action, reportName, ...rest] = positionals;
  if (action !== "create")
    throw new UsageError(
      `unknown baseline command "${action ?? ""}" (try: custodiet baseline create REPORT.json --reason TEXT)`,
    );
  if (reportName === undefined || rest.length > 0)
    throw new UsageError("expected one report: custodiet baseline create REPORT.json --reason TEXT");
  if (values.reason === undefined || values.reason.trim() === "")
    throw new UsageError("--reason is required: say why these findings are accepted");
  const report = await readReportFile(resolve(io.cwd, reportName), reportName);
  let text: string;
  try {
    const baseline = createBaseline(
      report,
      values.reason,
      values.expires === undefined ? {} : { expires: values.expires },
    );
    text = `${JSON.stringify(baseline, null, 2)}\n`;
  } catch (error) {
    if (error instanceof BaselineError) throw new UsageError(error.message);
    throw error;
  }
  if (values.output === undefined) return { exitCode: 0, stdout: text, stderr: "" };
  const path = resolve(io.cwd, values.output);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  const count = report.findings.length;
  return {
    exitCode: 0,
    stdout: "",
    stderr: `wrote baseline of ${count} ${count === 1 ? "finding" : "findings"} to ${values.output}\n`,
  };
}
