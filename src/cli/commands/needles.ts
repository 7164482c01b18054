import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatHexList, formatRipgrepPatterns, formatYaraRules } from "../../match/needle-export.js";
import { loadRulePack, RuleError } from "../../rules/index.js";
import { UsageError, type CommandIo, type CommandResult } from "../command.js";

export const NEEDLES_USAGE = `Usage: custodiet rules needles --format hex|rg|yara [--rules PATH]... [--no-builtin-rules]

Prints exactly the byte needles a scan compiles from the rule pack:
  hex   one line per needle: id, term id, term, encodings, hex bytes, fold mask
  rg    a ripgrep pattern file (one (?-u:\\xNN...) pattern per line): rg -a -U -f FILE PATH
        (-U because some needles hold byte 0x0a, which ripgrep only allows in multiline mode)
  yara  YARA rules of hex strings, ASCII case folding as ( 52 | 72 ): yara -s FILE PATH

Options:
  --rules PATH           extra rule file or folder; repeatable
  --no-builtin-rules     use only the rules given with --rules (also --no-builtin)`;

const formats = { hex: true, rg: true, yara: true } as const;
type NeedleFormat = keyof typeof formats;

function isFormat(value: string): value is NeedleFormat {
  return Object.hasOwn(formats, value);
}

/** `custodiet rules needles`: the compiled needles as a hex list, a ripgrep pattern file or YARA rules. */
export async function runNeedles(argv: string[], io: CommandIo): Promise<CommandResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      format: { type: "string" },
      rules: { type: "string", multiple: true },
      "no-builtin-rules": { type: "boolean" },
      "no-builtin": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) return { exitCode: 0, stdout: `${NEEDLES_USAGE}\n`, stderr: "" };
  const format = values.format ?? "hex";
  if (!isFormat(format)) throw new UsageError(`--format: "${format}" is not one of hex, rg, yara`);
  const builtin = values["no-builtin-rules"] !== true && values["no-builtin"] !== true;
  const paths = (values.rules ?? []).map((path) => resolve(io.cwd, path));
  if (!builtin && paths.length === 0)
    throw new UsageError("--no-builtin-rules needs at least one --rules PATH");
  let pack;
  try {
    pack = await loadRulePack({ paths, builtin });
  } catch (error) {
    if (error instanceof RuleError) throw new UsageError(error.message);
    throw error;
  }
  const termText = (termId: number) => pack.terms[termId]?.text ?? "";
  const stdout =
    format === "hex"
      ? formatHexList(pack.needles, termText)
      : format === "rg"
        ? formatRipgrepPatterns(pack.needles)
        : formatYaraRules(pack.needles, termText);
  return { exitCode: 0, stdout, stderr: "" };
}
