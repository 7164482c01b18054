/** What a command handler may see of its surroundings; only src/cli/bin.ts reads `process`. */
export interface CommandIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
  /** Set when stderr is a terminal: live progress lines go here (not into the result). */
  readonly progress?: (line: string) => void;
  /** Stops long commands (Ctrl-C). */
  readonly signal?: AbortSignal;
  /**
   * Called when a stopped command has finished stopping and goes on to write what it has (a scan's report of
   * what it scanned): from then on the stop is no longer waited for.
   */
  readonly stopped?: () => void;
}

/** Exit codes: 0 nothing at or above the threshold, 1 findings, 2 usage or fatal error (or a scan stopped short). */
export interface CommandResult {
  readonly exitCode: 0 | 1 | 2;
  readonly stdout: string;
  /** More of stdout, written after `stdout`: a report that may be longer than one string can be. */
  readonly stdoutPieces?: Iterable<string>;
  readonly stderr: string;
}

/** A usage problem: shown as one line, exit 2. */
export class UsageError extends Error {
  readonly code = "usage";
}
