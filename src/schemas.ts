import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * A JSON schema that ships in the package's `schema/` folder, read from `url`. When it cannot be read (an
 * incomplete installation), `fail` is given the file and one line saying why, and what it returns is thrown:
 * nothing that needs the schema can go on, and the user gets that line rather than a stack trace.
 */
export function readBundledSchema(
  url: URL,
  what: string,
  fail: (file: string, why: string, cause: unknown) => Error,
): object {
  try {
    return JSON.parse(readFileSync(url, "utf8")) as object;
  } catch (error) {
    const state = (error as NodeJS.ErrnoException).code === "ENOENT" ? "is not there" : "cannot be read";
    throw fail(
      fileURLToPath(url),
      `the ${what} schema ${state} (an incomplete installation of custodiet?): ${(error as Error).message}`,
      error,
    );
  }
}
