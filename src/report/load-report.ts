import { Ajv, type ValidateFunction } from "ajv";
import type { ScanReport } from "../model/report.js";
import { readBundledSchema } from "../schemas.js";
import { parseJsonBytes } from "./json-bytes.js";

/** A report file that is not JSON or does not follow schema/scan-report.schema.json. */
export class ReportFileError extends Error {
  readonly code = "report-file";
}

let validator: ValidateFunction | undefined;

/** Compiled once; the schema ships in the package beside dist/ and src/. */
function validate(): ValidateFunction {
  if (validator === undefined) {
    const url = new URL("../../schema/scan-report.schema.json", import.meta.url);
    // No report can be checked without it.
    const schema = readBundledSchema(
      url,
      "report",
      (file, why, cause) => new ReportFileError(`${file}: ${why}`, { cause }),
    );
    validator = new Ajv({ allErrors: false }).compile(schema);
  }
  return validator;
}

/**
 * Parses a JSON scan report read from disk and checks it against the schema, so that later code (and the
 * HTML it renders) can trust its types. `name` is used in the messages. Give the file's bytes rather than its
 * text when it may be large: a report of a few hundred thousand artifacts is longer than a string can be.
 */
export function parseScanReport(content: string | Uint8Array, name: string): ScanReport {
  let value: unknown;
  try {
    value = typeof content === "string" ? JSON.parse(content) : parseJsonBytes(content);
  } catch (error) {
    throw new ReportFileError(`${name}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  const check = validate();
  if (!check(value)) {
    const first = check.errors?.[0];
    const where =
      first?.instancePath === undefined || first.instancePath === "" ? "" : ` at ${first.instancePath}`;
    throw new ReportFileError(
      `${name}: not a custodiet scan report${where}: ${first?.message ?? "does not match the schema"}`,
    );
  }
  return value as ScanReport;
}
