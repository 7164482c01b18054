export interface EvalExpectation {
  readonly category: string;
  readonly basis: string;
  readonly term: string;
}
export interface EvalFile {
  readonly path: string;
  readonly split: "dev" | "holdout";
  readonly expected: readonly EvalExpectation[];
  /** Tolerated readings of an ambiguous file: neither required nor counted as false. */
  readonly optional?: readonly EvalExpectation[];
  readonly note: string;
}
export interface BuiltEvalFile extends EvalFile {
  readonly source: string;
  readonly kind: string;
  readonly size: number;
}
export declare const EVAL_SOURCE_DIR: string;
export declare const EVAL_SPLITS: readonly ["dev", "holdout"];
export declare function loadExpectations(sourceDir?: string): Map<string, EvalFile>;
export declare function buildEvalCorpus(outDir: string, sourceDir?: string): BuiltEvalFile[];
export declare function materialise(
  sourcePath: string,
  relPath: string,
): { path: string; bytes: Uint8Array; kind: string };
export declare function parseStrtab(source: string, name: string): unknown;
export declare function buildBinary(spec: unknown): Uint8Array;
