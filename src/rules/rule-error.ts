export type RuleErrorCode =
  "unreadable" | "yaml-syntax" | "schema" | "id-mismatch" | "duplicate-id" | "sample-encoding" | "bad-term";

/** One problem in one rule file; `line` is 1-based (0 when the whole file is concerned). */
export interface RuleProblem {
  readonly code: RuleErrorCode;
  readonly file: string;
  readonly line: number;
  /** What is wrong, without the location. */
  readonly detail: string;
}

/** "file:line: what is wrong" ("file: what is wrong" when the whole file is concerned). */
export function formatProblem(problem: RuleProblem): string {
  return problem.line > 0
    ? `${problem.file}:${problem.line}: ${problem.detail}`
    : `${problem.file}: ${problem.detail}`;
}

/**
 * A malformed rule (or several). `message` is "file:line: what is wrong", one line per problem;
 * `code`, `file` and `line` describe the first problem, `problems` lists all of them.
 */
export class RuleError extends Error {
  readonly code: RuleErrorCode;
  readonly file: string;
  readonly line: number;
  readonly problems: readonly RuleProblem[];

  constructor(problems: readonly RuleProblem[], options?: { cause?: unknown }) {
    const first = problems[0];
    if (first === undefined) throw new Error("RuleError needs at least one problem");
    super(problems.map(formatProblem).join("\n"), options);
    this.name = "RuleError";
    this.code = first.code;
    this.file = first.file;
    this.line = first.line;
    this.problems = problems;
  }
}
