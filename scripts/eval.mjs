#!/usr/bin/env node
// Evaluates the rule pack on the evaluation corpus (test/eval → corpus/eval) through the library API.
//   node scripts/eval.mjs [--no-build] [--corpus DIR] [--split dev|holdout|all] [--jobs N]
//                         [--out docs/eval-latest.md] [--json FILE] [--show-holdout]
// Prints, per split, a summary (precision/recall over category+basis pairs per file), a table per rule and per
// category (true positives, false positives, misses, and the bases findings got), and the list of misses and
// false alarms. Holdout file names are only printed with --show-holdout, so that the rules are not tuned on them.
// Writes the same tables as Markdown to --out. Exit 0 when every expected pair is found and nothing else fires,
// 1 otherwise, 2 on errors (e.g. dist/ not built).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EVAL_SPLITS, buildEvalCorpus, loadExpectations } from "./build-eval-corpus.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const args = {
    build: true,
    corpus: join(ROOT, "corpus/eval"),
    split: "all",
    jobs: 1,
    out: join(ROOT, "docs/eval-latest.md"),
    json: undefined,
    showHoldout: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--no-build") args.build = false;
    else if (a === "--corpus") args.corpus = resolve(value());
    else if (a === "--split") args.split = value();
    else if (a === "--jobs") args.jobs = Number(value());
    else if (a === "--out") args.out = resolve(value());
    else if (a === "--json") args.json = resolve(value());
    else if (a === "--show-holdout") args.showHoldout = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (args.split !== "all" && !EVAL_SPLITS.includes(args.split))
    throw new Error(`--split must be dev, holdout or all`);
  return args;
}

const pairOf = (x) => `${x.category}/${x.basis}`;

/** Maps a finding's outermost location to the expectation key ("<split>/<path>"). */
function keyFor(finding, split, scannedPath, keys) {
  const outer = finding.layers?.[0]?.path ?? String(finding.location).split("!")[0];
  const abs = resolve(outer);
  const rel = relative(scannedPath, abs).split("\\").join("/");
  if (!rel.startsWith("..")) {
    const key = `${split}/${rel}`;
    if (keys.has(key)) return key;
  }
  for (const key of keys) {
    const inSplit = key.slice(split.length + 1);
    if (key.startsWith(`${split}/`) && (outer === inSplit || outer.endsWith(`/${inSplit}`))) return key;
  }
  return undefined;
}

/** Scores one split: per-file results plus aggregates per rule and per category. */
export function scoreSplit(split, files, findingsByKey, unattributed) {
  const perFile = [];
  const perRule = new Map();
  const perCategory = new Map();
  const category = (name) => {
    if (!perCategory.has(name))
      perCategory.set(name, { expected: 0, found: 0, missed: 0, falsePositives: 0, bases: {} });
    return perCategory.get(name);
  };
  for (const file of files) {
    const expected = new Map(file.expected.map((e) => [pairOf(e), e]));
    // Optional pairs are tolerated readings of an ambiguous file (e.g. 人种 describing an "ethnicity" field):
    // neither required nor false.
    const optional = new Set((file.optional ?? []).map(pairOf));
    const findings = findingsByKey.get(file.path) ?? [];
    const foundPairs = new Set();
    const wrong = [];
    for (const f of findings) {
      const pair = pairOf(f);
      const ok = expected.has(pair) || optional.has(pair);
      if (expected.has(pair)) foundPairs.add(pair);
      if (!ok) wrong.push(f);
      const rule = perRule.get(f.ruleId) ?? {
        category: f.category,
        truePositives: 0,
        falsePositives: 0,
        files: new Set(),
        bases: {},
      };
      rule[ok ? "truePositives" : "falsePositives"] += 1;
      rule.files.add(file.path);
      rule.bases[f.basis] = (rule.bases[f.basis] ?? 0) + 1;
      perRule.set(f.ruleId, rule);
      const cat = category(f.category);
      cat.bases[f.basis] = (cat.bases[f.basis] ?? 0) + 1;
      if (!ok) cat.falsePositives += 1;
    }
    const misses = [...expected.values()].filter((e) => !foundPairs.has(pairOf(e)));
    for (const [pair, e] of expected) {
      const cat = category(e.category);
      cat.expected += 1;
      if (foundPairs.has(pair)) cat.found += 1;
      else cat.missed += 1;
    }
    const wrongPairs = new Set(wrong.map(pairOf));
    perFile.push({
      ...file,
      findings,
      foundPairs: [...foundPairs],
      misses,
      wrong,
      wrongPairs: [...wrongPairs],
    });
  }
  const positives = perFile.filter((f) => f.expected.length > 0);
  const negatives = perFile.filter((f) => f.expected.length === 0);
  const expectedPairs = positives.reduce((n, f) => n + new Set(f.expected.map(pairOf)).size, 0);
  const foundPairs = perFile.reduce((n, f) => n + f.foundPairs.length, 0);
  const fpPairs = perFile.reduce((n, f) => n + f.wrongPairs.length, 0);
  const summary = {
    split,
    positiveFiles: positives.length,
    negativeFiles: negatives.length,
    expectedPairs,
    foundPairs,
    missedPairs: expectedPairs - foundPairs,
    falsePairs: fpPairs,
    negativesFiring: negatives.filter((f) => f.findings.length > 0).length,
    positivesWithWrongPairs: positives.filter((f) => f.wrongPairs.length > 0).length,
    findings: perFile.reduce((n, f) => n + f.findings.length, 0),
    unattributed: unattributed.length,
    precision: foundPairs + fpPairs === 0 ? 1 : foundPairs / (foundPairs + fpPairs),
    recall: expectedPairs === 0 ? 1 : foundPairs / expectedPairs,
  };
  return { summary, perFile, perRule, perCategory, unattributed };
}

// ---------------------------------------------------------------------------------------------------------
// Rendering: one table model, rendered as aligned text or Markdown.

function table(headers, rows) {
  return { headers, rows: rows.map((r) => r.map((c) => String(c))) };
}

function renderText(t) {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(t.headers), line(widths.map((w) => "-".repeat(w))), ...t.rows.map(line)].join("\n");
}

function renderMarkdown(t) {
  const esc = (c) => c.replace(/\|/g, "\\|");
  return [
    `| ${t.headers.join(" | ")} |`,
    `| ${t.headers.map(() => "---").join(" | ")} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
const bases = (b) =>
  Object.entries(b)
    .sort(([a], [c]) => a.localeCompare(c))
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "-";

function summaryTable(results) {
  return table(
    [
      "split",
      "positive files",
      "negative files",
      "expected pairs",
      "found",
      "missed",
      "false pairs",
      "negatives firing",
      "precision",
      "recall",
    ],
    results.map(({ summary: s }) => [
      s.split,
      s.positiveFiles,
      s.negativeFiles,
      s.expectedPairs,
      s.foundPairs,
      s.missedPairs,
      s.falsePairs,
      s.negativesFiring,
      pct(s.precision),
      pct(s.recall),
    ]),
  );
}

function ruleTable(result) {
  const rows = [...result.perRule.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, r]) => [id, r.category, r.truePositives, r.falsePositives, r.files.size, bases(r.bases)]);
  return table(["rule", "category", "TP findings", "FP findings", "files", "bases found"], rows);
}

function categoryTable(result) {
  const rows = [...result.perCategory.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, c]) => [name, c.expected, c.found, c.missed, c.falsePositives, bases(c.bases)]);
  return table(["category", "expected pairs", "found", "missed", "FP findings", "bases found"], rows);
}

function detailLines(result) {
  const lines = [];
  for (const f of result.perFile) {
    for (const m of f.misses) lines.push(`MISS   ${f.path}: ${m.category}/${m.basis} (${m.term})`);
    for (const w of f.wrong) {
      const where = w.line === undefined ? `@${w.offset}` : `:${w.line}`;
      lines.push(
        `FALSE  ${f.path}${where}: ${w.ruleId} → ${w.category}/${w.basis} on "${w.match}" [${w.encoding}]`,
      );
    }
  }
  for (const u of result.unattributed) lines.push(`UNMAPPED ${u.location}: ${u.ruleId}`);
  return lines;
}

function render(results, meta, { markdown, showHoldout }) {
  const out = [];
  const t = markdown ? renderMarkdown : renderText;
  const h = (level, text) =>
    out.push(markdown ? `${"#".repeat(level)} ${text}\n` : `${text}\n${"=".repeat(text.length)}`);
  if (markdown) {
    out.push("# Evaluation: latest run\n");
    out.push(
      `Written by \`npm run eval\` (scripts/eval.mjs) from the corpus in \`test/eval/\` (see \`docs/sample-corpus.md\`). ` +
        `custodiet ${meta.toolVersion}, rule pack \`${meta.rulePackHash.slice(0, 16)}\` (${meta.ruleCount} rules). ` +
        "A pair is a category+basis expected in a file; a false pair is one found in a file that does not expect it.\n",
    );
  }
  h(2, "Summary");
  out.push(t(summaryTable(results)) + "\n");
  for (const result of results) {
    h(2, `Per rule (${result.summary.split})`);
    out.push(t(ruleTable(result)) + "\n");
    h(2, `Per category (${result.summary.split})`);
    out.push(t(categoryTable(result)) + "\n");
    const lines = detailLines(result);
    const hide = result.summary.split === "holdout" && !showHoldout;
    h(2, `Misses and false alarms (${result.summary.split})`);
    if (lines.length === 0) out.push("none\n");
    else if (hide)
      out.push(`${lines.length} (file names of the holdout split are not shown; use --show-holdout)\n`);
    else out.push((markdown ? lines.map((l) => `- \`${l}\``) : lines).join("\n") + "\n");
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------------------

async function loadScan() {
  // The library entry; while the CLI half of dist/ is incomplete, the engine module alone is enough.
  const entries = [join(ROOT, "dist/index.js"), join(ROOT, "dist/engine/scan.js")];
  const errors = [];
  for (const entry of entries) {
    try {
      const mod = await import(pathToFileURL(entry).href);
      if (typeof mod.scan === "function") return mod.scan;
      errors.push(`${entry} does not export scan()`);
    } catch (error) {
      errors.push(`${entry}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`cannot load the scanner (run npm run build):\n  ${errors.join("\n  ")}`);
}

export async function evaluate(args) {
  const files = args.build ? buildEvalCorpus(args.corpus) : [...loadExpectations().values()];
  const scan = await loadScan();
  const splits = args.split === "all" ? EVAL_SPLITS : [args.split];
  const results = [];
  let meta;
  for (const split of splits) {
    const scannedPath = join(args.corpus, split);
    const report = await scan({ paths: [scannedPath], jobs: args.jobs });
    meta = {
      toolVersion: report.tool.version,
      rulePackHash: report.rulePack.hash,
      ruleCount: report.rulePack.ruleCount,
    };
    const inSplit = files.filter((f) => f.split === split);
    const keys = new Set(inSplit.map((f) => f.path));
    const byKey = new Map();
    const unattributed = [];
    for (const finding of report.findings) {
      const key = keyFor(finding, split, scannedPath, keys);
      if (key === undefined) unattributed.push(finding);
      else byKey.set(key, [...(byKey.get(key) ?? []), finding]);
    }
    const notScanned = report.coverage.filter((c) => c.status !== "scanned" && (c.layers?.length ?? 1) === 1);
    const result = scoreSplit(split, inSplit, byKey, unattributed);
    result.notScanned = notScanned.map((c) => `${c.location}: ${c.status} ${c.reason ?? ""}`.trim());
    results.push(result);
  }
  return { results, meta };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
    const { results, meta } = await evaluate(args);
    process.stdout.write(render(results, meta, { markdown: false, showHoldout: args.showHoldout }));
    for (const r of results) for (const n of r.notScanned) process.stdout.write(`not fully scanned: ${n}\n`);
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, render(results, meta, { markdown: true, showHoldout: false }));
    if (args.json) {
      const plain = results.map((r) => ({
        summary: r.summary,
        files: r.perFile.map((f) => ({
          path: f.path,
          expected: f.expected,
          misses: f.misses,
          findings: f.findings.map((x) => ({
            ruleId: x.ruleId,
            category: x.category,
            basis: x.basis,
            match: x.match,
            offset: x.offset,
            encoding: x.encoding,
          })),
        })),
      }));
      writeFileSync(args.json, `${JSON.stringify({ meta, results: plain }, null, 2)}\n`);
    }
    const failed = results.some(
      (r) => r.summary.missedPairs > 0 || r.summary.falsePairs > 0 || r.summary.unattributed > 0,
    );
    process.stdout.write(`\n${failed ? "FAIL" : "PASS"} (written ${relative(process.cwd(), args.out)})\n`);
    process.exitCode = failed ? 1 : 0;
  } catch (error) {
    process.stderr.write(`eval: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
