#!/usr/bin/env node
import { isStrayPdfJsRejection } from "../extract/pdf-extractor.js";
import { batched } from "../report/batched.js";
import { run } from "./run.js";

// The only place that touches process: argv, streams, signals and the exit code.
const controller = new AbortController();
/** The exit code of a stop by signal: 128 + the signal's number, as shells report it. */
const state: { stoppedWith?: number } = {};
/**
 * Stopping (the scan's threads, temp space) gets this long; then the process exits anyway (temp space may be
 * left). Writing the report of a stopped scan is not timed: a second Ctrl-C ends it at once.
 */
const CLEANUP_MS = 15_000;
const timers: { cleanup?: NodeJS.Timeout } = {};
const stop = (code: number, message: string): void => {
  if (state.stoppedWith !== undefined) process.exit(state.stoppedWith);
  state.stoppedWith = code;
  process.stderr.write(message);
  controller.abort();
  timers.cleanup = setTimeout(() => {
    process.stderr.write(`custodiet: cleanup did not finish in ${CLEANUP_MS / 1000} s; exiting\n`);
    process.exit(code);
  }, CLEANUP_MS).unref();
};
// pdf.js leaves some of its own promises without a handler (see isStrayPdfJsRejection); any other
// unhandled rejection is a bug and still ends the process.
process.on("unhandledRejection", (reason) => {
  if (!isStrayPdfJsRejection(reason)) throw reason;
});
process.on("SIGINT", () => {
  stop(
    130,
    "\ncustodiet: stopping; the report of what was scanned so far is still written (Ctrl-C again to quit now)…\n",
  );
});
process.on("SIGTERM", () => {
  stop(143, "custodiet: terminated, stopping; the report of what was scanned so far is still written…\n");
});

const stderrIsTTY = process.stderr.isTTY;
const result = await run(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY,
  signal: controller.signal,
  stopped: () => {
    clearTimeout(timers.cleanup);
  },
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
process.exitCode = state.stoppedWith ?? result.exitCode;
// A reader that stops early (`custodiet scan … | head`) closes the pipe: that ends the output, not in a crash.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit();
  });
await write(process.stdout, result.stdout);
// A report longer than one string, about a megabyte at a time, each written before the next is made.
for (const text of batched(result.stdoutPieces ?? [])) await write(process.stdout, text);
await write(process.stderr, result.stderr);
