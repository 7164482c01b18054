import { TOOL_VERSION } from "../version.js";
import { UsageError, type CommandIo, type CommandResult } from "./command.js";

export const USAGE = `custodiet ${TOOL_VERSION}: finds ethnic, racial and religious profiling capabilities in software.
It never classifies people; it finds the capability in software.

Usage:
  custodiet scan <path>... [options]       scan files, folders, archives, firmware, documents
  custodiet test-rules [PATH...]           run the inline tests of the rule pack (and of extra rules)
  custodiet rules needles --format hex|rg|yara   print the byte needles the scan compiles
  custodiet diff OLD.json NEW.json         compare two scan reports
  custodiet baseline create REPORT.json --reason TEXT   write a baseline from a report
  custodiet keygen [--out DIR]             make an Ed25519 key pair for evidence bundles
  custodiet verify DIR [--artifacts PATH...]   check a signed evidence bundle
  custodiet --version | --help

Exit codes: 0 nothing at or above --fail-on, 1 findings (or failed checks), 2 usage or fatal error
(or a scan stopped with its memory full; it still writes its reports, marked interrupted);
130 or 143 stopped by Ctrl-C or SIGTERM (a scan still writes its reports, marked interrupted).
Run "custodiet scan --help" for the scan options.`;

type Handler = (argv: string[], io: CommandIo) => Promise<CommandResult>;

// Each command's module is loaded when it runs, so `--version` or `diff` never load the scanner.
const commands = {
  scan: async (argv, io) => (await import("./commands/scan.js")).runScan(argv, io),
  "test-rules": async (argv, io) => (await import("./commands/test-rules.js")).runTestRules(argv, io),
  diff: async (argv, io) => (await import("./commands/diff.js")).runDiff(argv, io),
  verify: async (argv, io) => (await import("./commands/verify.js")).runVerify(argv, io),
  keygen: async (argv, io) => (await import("./commands/keygen.js")).runKeygen(argv, io),
  baseline: async (argv, io) => (await import("./commands/baseline.js")).runBaseline(argv, io),
  rules: async (argv, io) => {
    if (argv[0] === "needles") return (await import("./commands/needles.js")).runNeedles(argv.slice(1), io);
    throw new UsageError(
      `unknown rules command "${argv[0] ?? ""}" (try: custodiet rules needles --format hex)`,
    );
  },
} satisfies Record<string, Handler>;

function isCommand(name: string): name is keyof typeof commands {
  return Object.hasOwn(commands, name);
}

/** The whole CLI as a function: argv in, exit code and text out. Errors are shown once, here. */
export async function run(argv: readonly string[], io: CommandIo): Promise<CommandResult> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help")
    return {
      exitCode: name === undefined ? 2 : 0,
      stdout: name === undefined ? "" : `${USAGE}\n`,
      stderr: name === undefined ? `${USAGE}\n` : "",
    };
  if (name === "--version" || name === "-v" || name === "version")
    return { exitCode: 0, stdout: `${TOOL_VERSION}\n`, stderr: "" };
  if (!isCommand(name))
    return { exitCode: 2, stdout: "", stderr: `custodiet: unknown command "${name}"\n\n${USAGE}\n` };
  try {
    return await commands[name](rest, io);
  } catch (error) {
    if (error instanceof UsageError)
      return { exitCode: 2, stdout: "", stderr: `custodiet ${name}: ${error.message}\n` };
    const code = (error as { code?: unknown }).code;
    if (
      code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ||
      code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" ||
      code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
    )
      return { exitCode: 2, stdout: "", stderr: `custodiet ${name}: ${(error as Error).message}\n` };
    if (error instanceof Error && error.name === "AbortError")
      return { exitCode: 2, stdout: "", stderr: `custodiet ${name}: stopped\n` };
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { exitCode: 2, stdout: "", stderr: `custodiet ${name}: internal error: ${message}\n` };
  }
}
