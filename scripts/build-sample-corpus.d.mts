export interface SampleExpectation {
  readonly term: string;
  readonly category: string;
  readonly basis: string;
  readonly encoding: string;
  readonly offset: number;
  readonly length: number;
  readonly line?: number;
  readonly column?: number;
  /** Only in the written expectations: every matcher encoding with the same bytes (ASCII: utf-8, gb18030, big5). */
  readonly acceptEncodings?: readonly string[];
  /** Set when the expectation is inside a container member: the member path and the chain `<file>!<member>`. */
  readonly member?: string;
  readonly location?: string;
}
export interface SampleEntry {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly note: string;
  readonly expected: readonly SampleExpectation[];
}
export interface SampleExpected {
  readonly description: string;
  readonly files: readonly {
    readonly path: string;
    readonly size: number;
    readonly note: string;
    readonly findings: readonly SampleExpectation[];
  }[];
}
export declare const BLOB_TERM_OFFSET: number;
export declare function createRng(seed: number): () => number;
export declare function randomBytes(rng: () => number, length: number): Uint8Array;
export declare function encodeText(text: string, encoding: string): Uint8Array;
export declare function concatBytes(parts: readonly Uint8Array[]): Uint8Array;
export declare function locate(
  bytes: Uint8Array,
  term: string,
  encoding: string,
  occurrence?: number,
): { offset: number; length: number };
export declare function buildSampleEntries(options?: { withFirmware?: boolean }): SampleEntry[];
export declare function dahuaFirmwareEntry(path: string, members: readonly SampleEntry[]): SampleEntry;
export declare function expectedPathFor(outDir: string): string;
export declare function writeSampleCorpus(
  outDir: string,
  entries?: readonly SampleEntry[],
  expectedPath?: string,
): SampleExpected;
