#!/usr/bin/env node
import { run } from "./run.js";

// The only place that touches process: argv, streams, signals and the exit code.
const controller = new AbortController();
const state = { interrupted: false };
process.on("SIGINT", () => {
  if (state.interrupted) process.exit(130);
  state.interrupted = true;
  process.stderr.write("\ncustodiet: stopping, cleaning up temp space…\n");
  controller.abort();
});
process.on("SIGTERM", () => {
  controller.abort();
});

const stderrIsTTY = process.stderr.isTTY;
const result = await run(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY,
  signal: controller.signal,
  ...(stderrIsTTY
    ? {
        progress: (line: string) => {
          process.stderr.write(`\r\x1b[2K${line}`);
        },
      }
    : {}),
});
const write = (stream: NodeJS.WriteStream, text: string): Promise<void> =>
  new Promise((resolve) => {
    if (text === "") resolve();
    else
      stream.write(text, () => {
        resolve();
      });
  });
await write(process.stdout, result.stdout);
await write(process.stderr, result.stderr);
process.exitCode = state.interrupted ? 130 : result.exitCode;
