import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { prestartHashThread } from "../../engine/hasher.js";
import { prestartWorkers } from "../../engine/scan-worker.js";
import { hashesOnThread, workersAhead } from "../../engine/threads.js";
import { severityRank } from "../../findings/assemble.js";
import { SEVERITIES, type Severity } from "../../model/rule.js";
import type { SigningKey } from "../../evidence/index.js";
import type { ScanReport } from "../../model/report.js";
import type { Format, Formatter } from "../../report/index.js";
import { InputError } from "../../sources/walk.js";
import { RuleError } from "../../rules/rule-error.js";
import type { Baseline } from "../../findings/baseline.js";
import { writePieces } from "../../report/batched.js";
import { UsageError, type CommandIo, type CommandResult } from "../command.js";
import { ruleCacheDir } from "../cache-dir.js";
import { formatProgress } from "../progress.js";

export const SCAN_USAGE = `Usage: custodiet scan <path>... [options]

Options:
  --format FORMAT        text|json|sarif|html|csv|md; repeatable (default: text to stdout)
  --output FILE          where the preceding --format goes (default: stdout)
  --rules PATH           extra rule file or folder; repeatable
  --no-builtin-rules     use only the rules given with --rules
  --min-severity SEV     leave out findings below SEV (info|low|medium|high|critical)
  --fail-on SEV          exit 1 when a finding is at or above SEV (default: info; "none" never)
  --max-file-size BYTES  record larger files as too-large instead of reading them (suffixes k, m, g)
  --max-depth N          container nesting limit (default 10)
  --max-expanded BYTES   bytes the containers inside one input may expand to, against bombs; each file
                         named or found in a folder has its own (default 16g)
  --exclude NAME         pass over files and folders of this name met inside a folder named to scan
                         (recorded as excluded); repeatable, e.g. --exclude .git --exclude node_modules
  --jobs N               scanning threads: this one and N-1 workers (default: number of cores)
  --no-hash-thread       compute SHA-256 in the scanning threads (by default each scanning thread hashes
                         on a thread of its own when the machine has two cores per job)
  --baseline FILE        hide findings listed in a baseline file
  --report-unused-baseline  warn about baseline entries that matched nothing or have expired
  --evidence DIR         write a signed evidence bundle (report, manifest, signature) to DIR
  --key FILE             the Ed25519 private key (PEM, from custodiet keygen) that signs --evidence;
                         without it a one-time key signs and only its public half is kept
  --no-cache             compile the rule files again instead of using the cache of compiled packs
                         (kept in $CUSTODIET_CACHE_DIR, else ~/.cache/custodiet; never used with --evidence)
  --quiet                no progress and no notes on stderr
  --no-color             no colours in text output (also NO_COLOR)`;

/**
 * The formatters of report/index.ts, each loaded only when its format is asked for (a scan that writes
 * JSON need not load the HTML reporter). The type keeps this list equal to report/index.ts's.
 */
const FORMATTERS = {
  text: async () => (await import("../../report/text-reporter.js")).formatText,
  json: async () => (await import("../../report/json-reporter.js")).formatJson,
  sarif: async () => (await import("../../report/sarif-reporter.js")).formatSarif,
  html: async () => (await import("../../report/html-reporter.js")).formatHtml,
  csv: async () => (await import("../../report/csv-reporter.js")).formatCsv,
  md: async () => (await import("../../report/markdown-reporter.js")).formatMarkdown,
} satisfies Record<Format, () => Promise<Formatter>>;

/**
 * The formats whose text may be longer than the longest string Node can make (they hold every artifact of
 * the scan), in pieces.
 */
const PIECE_FORMATTERS: Partial<Record<Format, () => Promise<(report: ScanReport) => Iterable<string>>>> = {
  json: async () => (await import("../../report/json-reporter.js")).formatJsonPieces,
  sarif: async () => (await import("../../report/sarif-reporter.js")).formatSarifPieces,
};

/** The formatter of a --format name. */
export function loadFormatter(format: Format): Promise<Formatter> {
  return FORMATTERS[format]();
}

const FORMATS = Object.keys(FORMATTERS) as Format[];

function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

export function parseSize(text: string, option = "--max-file-size"): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/iu.exec(text.trim());
  if (!match) throw new UsageError(`${option}: "${text}" is not a size (e.g. 500m, 2g, 1048576)`);
  const scale = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[match[2]!.toLowerCase()] ?? 1;
  return Math.floor(Number(match[1]) * scale);
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${name}: "${text}" is not a whole number above 0`);
  return value;
}

interface OutputRequest {
  format: Format;
  output?: string;
}

/** Pairs each --output with the --format before it, in the order given. */
function outputRequests(tokens: NonNullable<ReturnType<typeof parseArgs>["tokens"]>): OutputRequest[] {
  const requests: OutputRequest[] = [];
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (token.name === "format") {
      const value = token.value ?? "";
      if (!(FORMATS as string[]).includes(value))
        throw new UsageError(`--format: "${value}" is not one of ${FORMATS.join(", ")}`);
      requests.push({ format: value as Format });
    } else if (token.name === "output") {
      const last = requests[requests.length - 1];
      if (last === undefined) requests.push({ format: "text", output: token.value ?? "" });
      else if (last.output !== undefined)
        throw new UsageError("--output: each --output follows its own --format");
      else last.output = token.value ?? "";
    }
  }
  if (requests.length === 0) requests.push({ format: "text" });
  const toStdout = requests.filter((request) => request.output === undefined);
  if (toStdout.length > 1)
    throw new UsageError("only one --format can go to stdout; give the others an --output FILE");
  return requests;
}

export async function runScan(argv: readonly string[], io: CommandIo): Promise<CommandResult> {
  const parsed = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    tokens: true,
    options: {
      format: { type: "string", multiple: true },
      output: { type: "string", multiple: true },
      rules: { type: "string", multiple: true },
      "no-builtin-rules": { type: "boolean" },
      "min-severity": { type: "string" },
      "fail-on": { type: "string" },
      "max-file-size": { type: "string" },
      "max-depth": { type: "string" },
      "max-expanded": { type: "string" },
      jobs: { type: "string" },
      exclude: { type: "string", multiple: true },
      baseline: { type: "string" },
      "report-unused-baseline": { type: "boolean" },
      evidence: { type: "string" },
      key: { type: "string" },
      "no-cache": { type: "boolean" },
      "no-hash-thread": { type: "boolean" },
      quiet: { type: "boolean" },
      "no-color": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const { values, positionals } = parsed;
  if (values.help === true) return { exitCode: 0, stdout: `${SCAN_USAGE}\n`, stderr: "" };
  if (positionals.length === 0)
    throw new UsageError("scan needs at least one path (see custodiet scan --help)");
  const requests = outputRequests(parsed.tokens);
  const minSeverity = values["min-severity"] ?? "info";
  if (!isSeverity(minSeverity))
    throw new UsageError(`--min-severity: "${minSeverity}" is not one of ${SEVERITIES.join(", ")}`);
  const failOn = values["fail-on"] ?? "info";
  if (failOn !== "none" && !isSeverity(failOn))
    throw new UsageError(`--fail-on: "${failOn}" is not one of ${SEVERITIES.join(", ")}, none`);
  const maxFileSize = values["max-file-size"] !== undefined ? parseSize(values["max-file-size"]) : 0;
  const jobs = values.jobs !== undefined ? positiveInteger("--jobs", values.jobs) : undefined;
  const maxDepth =
    values["max-depth"] !== undefined ? positiveInteger("--max-depth", values["max-depth"]) : undefined;
  const maxTotalBytes =
    values["max-expanded"] !== undefined ? parseSize(values["max-expanded"], "--max-expanded") : undefined;
  const color = values["no-color"] !== true && io.env.NO_COLOR === undefined && io.stdoutIsTTY;
  const quiet = values.quiet === true;
  const excludedNames = values.exclude ?? [];
  for (const name of excludedNames)
    if (name === "" || name === "." || name === ".." || /[/\\]/u.test(name))
      throw new UsageError(`--exclude takes a file or folder name, not a path: ${JSON.stringify(name)}`);

  let baseline: Baseline | undefined;
  if (values.baseline !== undefined) {
    const path = resolve(io.cwd, values.baseline);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new UsageError(`--baseline: cannot read ${values.baseline}: ${(error as Error).message}`);
    }
    const { parseBaseline, BaselineError } = await import("../../findings/baseline.js");
    try {
      baseline = parseBaseline(text, values.baseline);
    } catch (error) {
      if (error instanceof BaselineError) throw new UsageError(`--baseline: ${error.message}`);
      throw error;
    }
  }

  // The signing key is read before the scan, not after an hour of it.
  if (values.key !== undefined && values.evidence === undefined)
    throw new UsageError("--key signs an evidence bundle: give --evidence DIR too");
  let signingKey: SigningKey | undefined;
  if (values.key !== undefined) {
    const { loadSigningKey, EvidenceError } = await import("../../evidence/index.js");
    try {
      signingKey = await loadSigningKey(resolve(io.cwd, values.key));
    } catch (error) {
      if (error instanceof EvidenceError) throw new UsageError(`--key: ${error.message}`);
      throw error;
    }
  }

  const started = Date.now();
  const progress = quiet ? undefined : io.progress;
  let lastDraw = 0;
  // A signed evidence bundle is made from the rule files themselves, never from a cached copy of them.
  const defaultCacheDir = ruleCacheDir(io.env, io.cwd);
  const cacheDir = values["no-cache"] === true || values.evidence !== undefined ? undefined : defaultCacheDir;
  let report: ScanReport;
  try {
    const hashThread = values["no-hash-thread"] === true ? false : undefined;
    // The scan's hashing thread starts before the scanner loads (it takes ~40 ms to start).
    const threadOptions = {
      paths: positionals,
      cwd: io.cwd,
      ...(jobs !== undefined ? { jobs } : {}),
      ...(hashThread !== undefined ? { hashThread } : {}),
    };
    if (hashesOnThread(threadOptions)) void prestartHashThread();
    // So do the scan's worker threads, when it has some (they take ~150 ms to load their modules).
    const ahead = workersAhead(threadOptions);
    if (ahead > 0) prestartWorkers(ahead);
    // The scanner's modules load only now, while the thread starts on the other core.
    const [{ loadRulePack }, { scan }] = await Promise.all([
      import("../../rules/loader.js"),
      import("../../engine/scan.js"),
    ]);
    const pack = await loadRulePack({
      paths: (values.rules ?? []).map((path) => resolve(io.cwd, path)),
      builtin: values["no-builtin-rules"] !== true,
      ...(cacheDir !== undefined ? { cacheDir } : {}),
    });
    // A scan with no rule would report no finding, as if it had looked.
    if (pack.rules.length === 0)
      throw new UsageError(
        values.rules === undefined || values.rules.length === 0
          ? "no rules to scan with: --no-builtin-rules leaves out the bundled pack, and no --rules was given"
          : `no rules to scan with: ${values.rules.join(", ")} holds no rule file (*.yaml)`,
      );
    report = await scan({
      paths: positionals,
      pack,
      minSeverity,
      maxFileSize,
      ...(jobs !== undefined ? { jobs } : {}),
      ...(hashThread !== undefined ? { hashThread } : {}),
      // SARIF and the evidence manifest each build a second table of every artifact before they write
      // (SARIF's ~1.2 times the ledger's heap, the manifest's ~0.3 times), so such a scan stops sooner.
      ...(requests.some((request) => request.format === "sarif") || values.evidence !== undefined
        ? { maxHeapShare: 0.4 }
        : {}),
      budgets: {
        ...(maxDepth !== undefined ? { maxDepth } : {}),
        ...(maxTotalBytes !== undefined ? { maxTotalBytes } : {}),
      },
      exclude: [
        // Scanning a home folder would otherwise report every rule term of our own compiled packs.
        ...(defaultCacheDir !== undefined
          ? [{ path: defaultCacheDir, why: "custodiet's own cache of compiled rule packs" }]
          : []),
        ...excludedNames.map((name) => ({ name, why: `--exclude ${name}` })),
      ],
      cwd: io.cwd,
      // Ctrl-C: the report of what was scanned until then is still written.
      ...(io.signal ? { signal: io.signal, reportWhenStopped: true } : {}),
      ...(progress
        ? {
            onProgress: (state) => {
              const now = Date.now();
              if (now - lastDraw < 100) return;
              lastDraw = now;
              progress(formatProgress(state, now - started));
            },
          }
        : {}),
    });
  } catch (error) {
    if (error instanceof InputError || error instanceof RuleError) throw new UsageError(error.message);
    throw error;
  }
  progress?.("");

  const notes: string[] = [];
  if (report.interrupted !== undefined) {
    io.stopped?.();
    notes.push(`scan stopped: ${report.interrupted}; the report covers what was scanned until then`);
  }
  if (baseline !== undefined) {
    const { applyBaseline } = await import("../../findings/baseline.js");
    const applied = applyBaseline(report, baseline, new Date().toISOString().slice(0, 10));
    report = applied.report;
    if (!quiet && applied.suppressed > 0)
      notes.push(
        `${applied.suppressed} finding${applied.suppressed === 1 ? "" : "s"} hidden by the baseline ${values.baseline}`,
      );
    if (values["report-unused-baseline"] === true) {
      for (const entry of applied.unused)
        notes.push(`baseline entry matched nothing: ${entry.ruleId} ${entry.reason}`);
      for (const entry of applied.expired)
        notes.push(`baseline entry expired on ${entry.expires ?? "?"}: ${entry.ruleId} ${entry.reason}`);
    }
  }

  let stdout = "";
  let stdoutPieces: Iterable<string> | undefined;
  for (const request of requests) {
    // Written piece by piece: the JSON of a tree of 100,000 artifacts is never one string in memory, and
    // that of a million could not be.
    const piecewise = await PIECE_FORMATTERS[request.format]?.();
    if (request.output === undefined) {
      if (piecewise !== undefined) stdoutPieces = piecewise(report);
      else stdout += (await loadFormatter(request.format))(report, { color });
      continue;
    }
    const path = resolve(io.cwd, request.output);
    await mkdir(dirname(path), { recursive: true });
    if (piecewise !== undefined) {
      await writePieces(path, piecewise(report));
    } else {
      const format = await loadFormatter(request.format);
      await writeFile(path, format(report, { color: false }));
    }
    if (!quiet) notes.push(`wrote ${request.format} report to ${request.output}`);
  }
  if (values.evidence !== undefined) {
    const { writeEvidenceBundle } = await import("../../evidence/index.js");
    const dir = resolve(io.cwd, values.evidence);
    const written = await writeEvidenceBundle(dir, report, signingKey);
    if (!quiet)
      notes.push(`wrote signed evidence bundle to ${values.evidence} (${written.files.join(", ")})`);
  }
  const failing =
    failOn === "none"
      ? 0
      : report.findings.filter((f) => severityRank(f.severity) >= severityRank(failOn)).length;
  // A scan that stopped by itself (its memory full) did not do what it was asked: never a pass.
  const incomplete = report.interrupted !== undefined && io.signal?.aborted !== true;
  return {
    exitCode: incomplete ? 2 : failing > 0 ? 1 : 0,
    stdout,
    ...(stdoutPieces !== undefined ? { stdoutPieces } : {}),
    stderr: notes.map((note) => `${note}\n`).join(""),
  };
}
