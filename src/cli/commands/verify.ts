import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { verifyEvidenceBundle, type VerifyCheck } from "../../evidence/index.js";
import { UsageError, type CommandIo, type CommandResult } from "../command.js";

export const VERIFY_USAGE = `Usage: custodiet verify DIR [--artifacts PATH...] [--public-key FILE]

Checks an evidence bundle written by "custodiet scan --evidence DIR": the Ed25519 signature over
manifest.json, report.json against the manifest, and with --artifacts the named files (or folders) against
the SHA-256 the manifest records. --public-key pins the key you trust (otherwise the bundle's own key is
used, which proves integrity but not who signed). Exit 0 when everything matches, 1 naming what changed.`;

const MARKS: Readonly<Record<VerifyCheck["status"], string>> = {
  ok: "ok      ",
  changed: "CHANGED ",
  missing: "MISSING ",
  invalid: "INVALID ",
  unknown: "UNKNOWN ",
};

export async function runVerify(argv: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      artifacts: { type: "string", multiple: true },
      "public-key": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) return { exitCode: 0, stdout: `${VERIFY_USAGE}\n`, stderr: "" };
  const [dir, ...rest] = positionals;
  if (dir === undefined)
    throw new UsageError("expected the bundle folder: custodiet verify DIR [--artifacts PATH...]");
  // `--artifacts a b c`: parseArgs takes the first value; the paths after it arrive as positionals.
  if (rest.length > 0 && values.artifacts === undefined) {
    throw new UsageError(`unexpected argument "${rest[0] ?? ""}" (artifact paths go after --artifacts)`);
  }
  const artifacts = values.artifacts === undefined ? undefined : [...values.artifacts, ...rest];
  let publicKeyPem: string | undefined;
  if (values["public-key"] !== undefined) {
    try {
      publicKeyPem = await readFile(resolve(io.cwd, values["public-key"]), "utf8");
    } catch (error) {
      throw new UsageError(`--public-key: cannot read ${values["public-key"]}: ${(error as Error).message}`);
    }
  }
  const result = await verifyEvidenceBundle(resolve(io.cwd, dir), {
    ...(artifacts === undefined ? {} : { artifacts }),
    cwd: io.cwd,
    ...(publicKeyPem === undefined ? {} : { publicKeyPem }),
  });
  const lines = result.checks.map((check) => `${MARKS[check.status]}${check.subject}: ${check.detail}`);
  const failed = result.checks.filter((check) => check.status !== "ok").length;
  lines.push(
    result.ok
      ? `verified: ${dir} is intact${result.publicKeySha256 === undefined ? "" : ` (signing key sha256:${result.publicKeySha256})`}`
      : `NOT verified: ${failed} ${failed === 1 ? "check" : "checks"} failed`,
  );
  return { exitCode: result.ok ? 0 : 1, stdout: `${lines.join("\n")}\n`, stderr: "" };
}
