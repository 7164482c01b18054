import type { ScanReport } from "../model/report.js";

/** Options every reporter accepts; a reporter ignores what it has no use for. */
export interface FormatOptions {
  /** ANSI colour in the text reporter; the caller decides from TTY, NO_COLOR and --no-color. */
  readonly color?: boolean;
}

/** A reporter: a pure function of the report. No clock, environment or working directory inside. */
export type Formatter = (report: ScanReport, options?: FormatOptions) => string;
