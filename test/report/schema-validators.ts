import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";

/**
 * ajv validators for the schema files kept in schema/. ajv-formats is not a dependency, so the few formats
 * the schemas use are checked here with URL parsing and plain patterns.
 */
const FORMATS = {
  uri: (text: string) => URL.canParse(text),
  "uri-reference": (text: string) => URL.canParse(text, "https://base.invalid/"),
  "date-time": (text: string) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/u.test(text),
  uuid: (text: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu.test(text),
};

function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../schema/${name}`, import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;
}

export function sarifValidator(): ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true, formats: FORMATS });
  return ajv.compile(loadSchema("sarif-2.1.0.json"));
}

export function draft07Validator(name: "scan-report.schema.json" | "baseline.schema.json"): ValidateFunction {
  const ajv = new Ajv({ strict: true, allErrors: true, formats: FORMATS });
  return ajv.compile(loadSchema(name));
}

export function errorsOf(validate: ValidateFunction): string {
  return JSON.stringify(validate.errors?.slice(0, 5) ?? [], null, 2);
}
