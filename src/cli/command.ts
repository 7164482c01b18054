/** What a command handler may see of its surroundings; only src/cli/bin.ts reads `process`. */
export interface CommandIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
}

/** Exit codes: 0 nothing at or above the threshold, 1 findings, 2 usage or fatal error. */
export interface CommandResult {
  readonly exitCode: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr: string;
}
