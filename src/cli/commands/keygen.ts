import { access, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateKeyPairPem, publicKeyFingerprint, publicKeyFromPem } from "../../evidence/index.js";
import { UsageError, type CommandIo, type CommandResult } from "../command.js";

export const KEYGEN_USAGE = `Usage: custodiet keygen [--out DIR]

Writes an Ed25519 key pair for signing evidence bundles: DIR/custodiet-signing.key (private, keep it
secret) and DIR/custodiet-signing.pub (public, publish it and its fingerprint). DIR defaults to the
current folder; existing files are never overwritten.`;

export const PRIVATE_KEY_FILE = "custodiet-signing.key";
export const PUBLIC_KEY_FILE = "custodiet-signing.pub";

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function runKeygen(argv: string[], io: CommandIo): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help === true) return { exitCode: 0, stdout: `${KEYGEN_USAGE}\n`, stderr: "" };
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0] ?? ""}" (use --out DIR)`);
  const dir = resolve(io.cwd, values.out ?? ".");
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  for (const path of [privatePath, publicPath]) {
    if (await exists(path)) throw new UsageError(`${path} exists; not overwriting a key`);
  }
  const pair = generateKeyPairPem();
  await mkdir(dir, { recursive: true });
  await writeFile(privatePath, pair.privateKeyPem, { mode: 0o600, flag: "wx" });
  await writeFile(publicPath, pair.publicKeyPem, { flag: "wx" });
  const fingerprint = publicKeyFingerprint(publicKeyFromPem(pair.publicKeyPem));
  return {
    exitCode: 0,
    stdout: `private key: ${privatePath}\npublic key:  ${publicPath}\nfingerprint: sha256:${fingerprint}\n`,
    stderr: "",
  };
}
