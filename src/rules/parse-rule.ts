import { createRequire } from "node:module";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Document, LineCounter } from "yaml";
import type { Encoding } from "../model/encoding.js";
import type { Rule, RuleSample } from "../model/rule.js";
import { encodeTerm } from "../match/needles.js";
import { readBundledSchema } from "../schemas.js";
import { RuleError, type RuleProblem } from "./rule-error.js";
import type { PatternSpec } from "./types.js";

/** schema/rule.schema.json, two levels above this file both in src/rules and dist/rules. */
export const RULE_SCHEMA_URL = new URL("../../schema/rule.schema.json", import.meta.url);

/**
 * yaml and ajv take ~50 ms to load and ajv ~40 ms to compile the schema; a scan whose rule pack comes from
 * the cache (see rule-cache.ts) needs neither, so they are loaded on the first parse.
 */
const require = createRequire(import.meta.url);
let yamlModule: typeof import("yaml") | undefined;
const yaml = (): typeof import("yaml") => (yamlModule ??= require("yaml") as typeof import("yaml"));

let validator: ValidateFunction | undefined;

function ruleValidator(): ValidateFunction {
  if (validator === undefined) {
    const { Ajv } = require("ajv") as typeof import("ajv");
    // Every rule is checked against it: without it nothing can be loaded.
    const schema = readBundledSchema(
      RULE_SCHEMA_URL,
      "rule",
      (file, why, cause) => new RuleError([{ code: "unreadable", file, line: 0, detail: why }], { cause }),
    );
    validator = new Ajv({ allErrors: true, strict: true }).compile(schema);
  }
  return validator;
}

export type ParseResult =
  | { readonly ok: true; readonly rule: Rule }
  | { readonly ok: false; readonly problems: readonly RuleProblem[] };

type PathSegment = string | number;

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function displayPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path)
    text += typeof segment === "number" ? `[${segment}]` : text === "" ? segment : `.${segment}`;
  return text === "" ? "rule" : text;
}

function keyLine(node: unknown, key: string | number, counter: LineCounter): number | undefined {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  if (isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
    const keyNode = pair?.key;
    if (isScalar(keyNode) && keyNode.range) return counter.linePos(keyNode.range[0]).line;
  }
  if (isSeq(node) && typeof key === "number") {
    const item = node.items[key] as { range?: readonly number[] | null } | undefined;
    if (item?.range?.[0] !== undefined) return counter.linePos(item.range[0]).line;
  }
  return undefined;
}

/**
 * Line (1-based) of the YAML node at `path` — of its key, where it is a map entry — or of the nearest
 * ancestor that exists. With `key`, the line of that key inside the map at `path` (an unknown field).
 */
function lineOf(doc: Document, counter: LineCounter, path: readonly PathSegment[], key?: string): number {
  if (key !== undefined) {
    const line = keyLine(doc.getIn(path, true), key, counter);
    if (line !== undefined) return line;
  }
  for (let length = path.length; length > 0; length--) {
    const line = keyLine(
      length === 1 ? doc.contents : doc.getIn(path.slice(0, length - 1), true),
      path[length - 1]!,
      counter,
    );
    if (line !== undefined) return line;
  }
  return 1;
}

function describeSchemaError(error: ErrorObject): { path: PathSegment[]; key?: string; detail: string } {
  const path = pointerToPath(error.instancePath);
  const where = displayPath(path);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params["additionalProperty"]);
      return { path, key, detail: `${where}: unknown field "${key}"` };
    }
    case "required": {
      const missing = String(params["missingProperty"]);
      return { path, detail: `${where}: missing required field "${missing}"` };
    }
    case "enum": {
      const allowed = (params["allowedValues"] as unknown[]).map(String).join(", ");
      return { path, detail: `${where}: must be one of ${allowed}` };
    }
    case "pattern":
      return {
        path,
        detail:
          path.at(-1) === "title"
            ? `${where}: must be a single line`
            : path.at(-1) === "description"
              ? `${where}: must not be empty`
              : `${where}: must be kebab-case (lower-case letters, digits and single hyphens)`,
      };
    case "minItems":
      return { path, detail: `${where}: must have at least ${String(params["limit"])} item(s)` };
    case "minLength":
      return { path, detail: `${where}: must not be empty` };
    default:
      return { path, detail: `${where}: ${error.message ?? error.keyword}` };
  }
}

interface RawSample {
  readonly text: string;
  readonly encoding?: Encoding;
  readonly name?: string;
}

interface RawRule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly category: Rule["category"];
  readonly basis: Rule["basis"];
  readonly severity: Rule["severity"];
  readonly confidence: Rule["confidence"];
  readonly vendors?: readonly string[];
  readonly references: readonly string[];
  readonly compliance?: readonly string[];
  readonly patterns: readonly PatternSpec[];
  readonly tests: { readonly match: readonly RawSample[]; readonly "no-match": readonly RawSample[] };
}

function toSample(raw: RawSample): RuleSample {
  return {
    text: raw.text,
    ...(raw.encoding === undefined ? {} : { encoding: raw.encoding }),
    ...(raw.name === undefined ? {} : { name: raw.name }),
  };
}

/** Checks the schema cannot express: cross-field constraints and sample encodings. */
function semanticProblems(raw: RawRule, problem: (path: PathSegment[], detail: string) => void): void {
  raw.patterns.forEach((pattern, index) => {
    const where = pattern.where;
    if (where === undefined) return;
    const base: PathSegment[] = ["patterns", index, "where"];
    if (where["scope-min"] !== undefined) {
      const any = where["scope-any"];
      if (any === undefined)
        problem([...base, "scope-min"], `${displayPath(base)}.scope-min: needs scope-any`);
      else if (where["scope-min"] > new Set(any).size)
        problem(
          [...base, "scope-min"],
          `${displayPath(base)}.scope-min: ${where["scope-min"]} is more than the ${new Set(any).size} distinct scope-any entries`,
        );
    }
    if (
      where["near-chars"] !== undefined &&
      where["near-any"] === undefined &&
      where["near-none"] === undefined
    )
      problem([...base, "near-chars"], `${displayPath(base)}.near-chars: needs near-any or near-none`);
  });
  for (const side of ["match", "no-match"] as const) {
    raw.tests[side].forEach((sample, index) => {
      const encoding = sample.encoding ?? "utf-8";
      if (encodeTerm(sample.text, encoding) === undefined)
        problem(
          ["tests", side, index, "text"],
          `tests.${side}[${index}]: the text cannot be written in ${encoding} (a character has no ${encoding} form)`,
        );
    });
  }
}

/**
 * Parses and validates one rule file. `file` is used in problems; `expectedId` (the file name without
 * extension) must equal the rule id when given.
 */
export function parseRuleText(text: string, file: string, expectedId?: string): ParseResult {
  const { LineCounter, parseDocument } = yaml();
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        code: "yaml-syntax" as const,
        file,
        line: counter.linePos(error.pos[0]).line,
        detail: `YAML: ${error.message.split("\n")[0] ?? error.code}`,
      })),
    };
  }
  const value: unknown = doc.toJS();
  const validate = ruleValidator();
  if (!validate(value)) {
    const seen = new Set<string>();
    const problems: RuleProblem[] = [];
    for (const error of validate.errors ?? []) {
      const { path, key, detail } = describeSchemaError(error);
      if (seen.has(detail)) continue;
      seen.add(detail);
      problems.push({ code: "schema", file, line: lineOf(doc, counter, path, key), detail });
    }
    problems.sort((a, b) => a.line - b.line);
    return { ok: false, problems };
  }
  const raw = value as RawRule;
  const problems: RuleProblem[] = [];
  if (expectedId !== undefined && raw.id !== expectedId) {
    problems.push({
      code: "id-mismatch",
      file,
      line: lineOf(doc, counter, ["id"]),
      detail: `id "${raw.id}" must equal the file name "${expectedId}"`,
    });
  }
  semanticProblems(raw, (path, detail) => {
    const code = path[0] === "tests" ? ("sample-encoding" as const) : ("schema" as const);
    problems.push({ code, file, line: lineOf(doc, counter, path), detail });
  });
  if (problems.length > 0) return { ok: false, problems };
  const rule: Rule = {
    id: raw.id,
    title: raw.title,
    description: raw.description,
    category: raw.category,
    basis: raw.basis,
    severity: raw.severity,
    confidence: raw.confidence,
    references: raw.references,
    compliance: raw.compliance ?? [],
    vendors: raw.vendors ?? [],
    patterns: raw.patterns,
    tests: { match: raw.tests.match.map(toSample), noMatch: raw.tests["no-match"].map(toSample) },
    origin: { file, line: 1 },
  };
  return { ok: true, rule };
}
