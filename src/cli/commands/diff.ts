import { constants } from "node:buffer";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { diffReports } from "../../findings/diff.js";
import { SEVERITIES, type Severity } from "../../model/rule.js";
import { diffFormatters, DIFF_FORMATS, isDiffFormat } from "../../report/diff-reporter.js";
import { severityRank } from "../../report/labels.js";
import { parseScanReport, ReportFileError } from "../../report/load-report.js";
import type { ScanReport } from "../../model/report.js";
import { UsageError, type CommandIo, type CommandResult } from "../command.js";

export const DIFF_USAGE = `Usage: custodiet diff OLD.json NEW.json [--format text|json|html] [--output FILE] [--fail-on SEV]

Compares two JSON scan reports (e.g. two releases of an SDK): findings added, removed and unchanged,
and "renamed?" hints. Exit 1 when a finding at or above --fail-on (default: info; "none" never) was added.`;

function isSeverity(text: string): text is Severity {
  return (SEVERITIES as readonly string[]).includes(text);
}

export async function readReportFile(path: string, shown: string): Promise<ScanReport> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ERR_FS_FILE_TOO_LARGE"
        ? `cannot read ${shown}: larger than the ${String(constants.MAX_LENGTH)} bytes a buffer can hold`
        : `cannot read ${shown}: ${code ?? (error as Error).message}`,
    );
  }
  try {
    return parseScanReport(bytes, shown);
  } catch (error) {
    if (error instanceof ReportFileError) throw new UsageError(error.message);
    throw error;
  }
}

export async function runDiff(argv: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      output: { type: "string" },
      "fail-on": { type: "string" },
      "no-color": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) return { exitCode: 0, stdout: `${DIFF_USAGE}\n`, stderr: "" };
  if (positionals.length !== 2)
    throw new UsageError(`expected OLD.json and NEW.json (${DIFF_USAGE.split("\n")[0]})`);
  const format = values.format ?? "text";
  if (!isDiffFormat(format))
    throw new UsageError(`--format: "${format}" is not one of ${DIFF_FORMATS.join(", ")}`);
  const failOn = values["fail-on"] ?? "info";
  if (failOn !== "none" && !isSeverity(failOn)) {
    throw new UsageError(`--fail-on: "${failOn}" is not one of ${SEVERITIES.join(", ")}, none`);
  }
  const [oldName, newName] = positionals as [string, string];
  const oldReport = await readReportFile(resolve(io.cwd, oldName), oldName);
  const newReport = await readReportFile(resolve(io.cwd, newName), newName);
  const diff = diffReports(oldReport, newReport);
  const color =
    values.output === undefined &&
    values["no-color"] !== true &&
    io.env["NO_COLOR"] === undefined &&
    io.stdoutIsTTY;
  const text = diffFormatters[format]({ diff, old: oldReport, new: newReport }, { color });
  let stdout = text;
  let stderr = "";
  if (values.output !== undefined) {
    const path = resolve(io.cwd, values.output);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    stdout = "";
    stderr = `wrote ${format} diff to ${values.output}\n`;
  }
  const failing =
    failOn === "none"
      ? 0
      : diff.added.filter((finding) => severityRank(finding.severity) >= severityRank(failOn)).length;
  return { exitCode: failing > 0 ? 1 : 0, stdout, stderr };
}
