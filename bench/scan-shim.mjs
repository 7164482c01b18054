// Runs `custodiet scan ARGS` through the scan command handler in dist/ (used by bench/run.mjs only when
// dist/cli/bin.js cannot load yet, e.g. while another command of the CLI is still being written).
import { writeSync } from "node:fs";

import { join } from "node:path";
import { pathToFileURL } from "node:url";

let args = process.argv.slice(2);
let dist = new URL("../dist/", import.meta.url).pathname;
if (args[0] === "--dist") {
  dist = args[1];
  args = args.slice(2);
}
const { runScan } = await import(pathToFileURL(join(dist, "cli/commands/scan.js")).href);
// The pool unrefs its workers; keep this process alive until the scan settles.
const keepAlive = setInterval(() => {}, 1 << 30);
const result = await runScan(args[0] === "scan" ? args.slice(1) : args, {
  cwd: process.cwd(),
  env: process.env,
  stdoutIsTTY: false,
});
clearInterval(keepAlive);
if (result.stdout) writeSync(1, result.stdout);
if (result.stderr) writeSync(2, result.stderr);
process.exitCode = result.exitCode;
