import type { Finding } from "../src/model/finding.js";
import type { EvalFile } from "./build-eval-corpus.mjs";

export interface SplitSummary {
  readonly split: string;
  readonly positiveFiles: number;
  readonly negativeFiles: number;
  readonly expectedPairs: number;
  readonly foundPairs: number;
  readonly missedPairs: number;
  readonly falsePairs: number;
  readonly negativesFiring: number;
  readonly positivesWithWrongPairs: number;
  readonly findings: number;
  readonly unattributed: number;
  readonly precision: number;
  readonly recall: number;
}
export interface SplitResult {
  readonly summary: SplitSummary;
  readonly perFile: readonly (EvalFile & {
    readonly findings: readonly Finding[];
    readonly misses: readonly EvalFile["expected"][number][];
    readonly wrong: readonly Finding[];
  })[];
  readonly perRule: ReadonlyMap<
    string,
    {
      truePositives: number;
      falsePositives: number;
      files: ReadonlySet<string>;
      bases: Record<string, number>;
    }
  >;
  readonly perCategory: ReadonlyMap<
    string,
    { expected: number; found: number; missed: number; falsePositives: number; bases: Record<string, number> }
  >;
}
export declare function scoreSplit(
  split: string,
  files: readonly EvalFile[],
  findingsByKey: ReadonlyMap<string, readonly Finding[]>,
  unattributed: readonly Finding[],
): SplitResult;
