import { closeSync, createWriteStream, openSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import type { ByteSource } from "../model/bytes.js";
import {
  ContainerBudget,
  COPY_CHUNK,
  RATIO_FLOOR_BYTES,
  child,
  errorMessage,
  partial,
  safeTempName,
} from "./child-writer.js";
import type { ExtractContext, ExtractEvent } from "./extractor.js";

/**
 * Commands one 7-Zip instance runs at most, and the memory it may have grown to, before a command gets a
 * fresh one. A fresh instance costs ~2.7 ms to make and its memory's first touch (~8 µs a page on a
 * paravirtualized machine: an xz dictionary of 8 MiB is 2,048 pages), every command; 400 small `.xz` files
 * each listed and then extracted took ~18.6 ms a pair of commands with fresh instances and ~5.8 ms with one.
 */
const REUSE_COMMANDS = 64;
const REUSE_MEMORY_BYTES = 256 * 1024 * 1024;

/**
 * 7-Zip (7z-wasm, 24.09) runs in a worker thread: a crash or abort inside WASM only kills that worker,
 * and the time budget terminates it (WASM cannot be interrupted from the same thread). The WASM is
 * compiled once per process and shared. A worker keeps its module instance for the next command only
 * when the last one ended well (exit code 0, under the write cap), for a bounded number of commands and
 * memory (REUSE_*): 7-Zip's main is not meant to run twice, so an instance is never reused after an error exit, which can
 * leave its heap and globals half done, nor after a trap. A command sees only the container's temp directory (Emscripten
 * NODEFS mount at /w), so it cannot write elsewhere, and a byte cap on its writes stops archives whose
 * headers lie about sizes. Members are extracted into memory and handed on one by one (see the `pin`
 * option). A worker whose commands all ended is kept for the next session (see IDLE_*): starting one costs ~60 ms of CPU, more than 7-Zip takes for a small container (every `.deb` is three).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { writeFileSync, writeSync } = require("node:fs");
const SevenZip = require(workerData.modulePath);
const REUSE_COMMANDS = ${REUSE_COMMANDS};
const REUSE_MEMORY = ${REUSE_MEMORY_BYTES};
let stdout = "";
let stderr = "";
let maxOutput = 0;
let maxWrite = 0;
let written = 0;
let capped = false;
/**
 * The command's pinning (see SevenZipCommandOptions.pin, with the spool the parent opened, its end and the
 * file being written at that end: { node, start, size }), and the host files of their own made so far.
 */
let pin;
let pinned = 0;
/** The 7-Zip instance the last command left fit for another, with its exports and mounted folder. */
let kept;
async function instance() {
  if (kept !== undefined) return kept;
  let exports;
  const sz = await SevenZip({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(workerData.wasmModule, imports).then((instance) => {
        exports = instance.exports;
        receive(instance, workerData.wasmModule);
      });
      return {};
    },
    print: (s) => { if (stdout.length < maxOutput) stdout += s + "\\n"; },
    printErr: (s) => { if (stderr.length < 65536) stderr += s + "\\n"; },
  });
  sz.FS.mkdir("/w");
  const ops = sz.NODEFS.stream_ops;
  const write = ops.write;
  ops.write = function (stream, buffer, offset, length, position) {
    written += length;
    if (written > maxWrite) {
      capped = true;
      throw new sz.FS.ErrnoError(27);
    }
    return write.call(this, stream, buffer, offset, length, position);
  };
  // The folder members are extracted to is in memory (MEMFS): each file written on the host through NODEFS
  // cost ~25 system calls and twice 7-Zip's time. 7-Zip writes one file after another: the file it is
  // writing goes straight on to the end of the command's spool on the host, as it is written, and once
  // closed it is whole and named to the parent at once (with its range of the spool), which scans it while
  // 7-Zip goes on (7-Zip may later replace the path, for a member of the same name: that is another file).
  // A host file of its own per member cost ~70 µs to create, and a copy in memory first ~10% of 7-Zip's
  // time, on a squashfs of small files. (A file written while another holds the spool's end would be held
  // in memory and then go to a file of its own: 7-Zip's extraction does not write two at once.)
  const MEMFS = sz.FS.root.mount.type;
  const fileOps = MEMFS.ops_table.file.stream;
  const memoryWrite = fileOps.write;
  fileOps.write = function (stream, buffer, offset, length, position, canOwn) {
    if (pin === undefined) return memoryWrite.call(this, stream, buffer, offset, length, position, canOwn);
    written += length;
    if (written > maxWrite) {
      capped = true;
      throw new sz.FS.ErrnoError(27);
    }
    const node = stream.node;
    node.custodietWritten = true;
    if (pin.writing === undefined && node.usedBytes === 0) pin.writing = { node, start: pin.spoolEnd, size: 0 };
    if (pin.writing?.node !== node) return memoryWrite.call(this, stream, buffer, offset, length, position, canOwn);
    if (length > 0) writeSync(pin.spoolFd, buffer, offset, length, pin.writing.start + position);
    pin.writing.size = Math.max(pin.writing.size, position + length);
    return length;
  };
  // A size set on the file being written (a truncation) is its size in the spool.
  const fileNodeOps = MEMFS.ops_table.file.node;
  const setattr = fileNodeOps.setattr;
  fileNodeOps.setattr = function (node, attr) {
    if (pin !== undefined && pin.writing !== undefined && pin.writing.node === node && attr.size !== undefined) {
      pin.writing.size = attr.size;
      const { size, ...rest } = attr;
      return setattr.call(this, node, rest);
    }
    return setattr.call(this, node, attr);
  };
  const finish = (node, made = false) => {
    if (pin === undefined || (node.custodietWritten !== true && !made)) return;
    node.custodietWritten = false;
    node.custodietHanded = true;
    const closed = sz.FS.getPath(node).slice(pin.mount.length + 1);
    if (pin.writing !== undefined && pin.writing.node === node) {
      const { start, size } = pin.writing;
      pin.writing = undefined;
      pin.spoolEnd = start + size;
      parentPort.postMessage({ closed, file: pin.spool, offset: start, size });
      return;
    }
    const size = node.usedBytes;
    if (pin.writing === undefined) {
      const offset = pin.spoolEnd;
      if (size > 0) writeSync(pin.spoolFd, node.contents, 0, size, offset);
      pin.spoolEnd += size;
      MEMFS.resizeFileStorage(node, 0);
      parentPort.postMessage({ closed, file: pin.spool, offset, size });
      return;
    }
    // The spool's end is another file's: a file of its own.
    const file = pin.to + "/" + pinned++;
    writeFileSync(file, node.contents.subarray(0, size), { flag: "wx" });
    MEMFS.resizeFileStorage(node, 0);
    parentPort.postMessage({ closed, file, size });
  };
  fileOps.close = function (stream) {
    try {
      finish(stream.node);
    } catch (error) {
      // Out of disk: 7-Zip reports the error, and the member is missing.
      throw new sz.FS.ErrnoError(29);
    }
  };
  /** Non-regular files under the pinned folder (links, devices), for the result; files not yet handed on go. */
  const others = (folder, found) => {
    for (const name of sz.FS.readdir(folder)) {
      if (name === "." || name === "..") continue;
      const path = folder + "/" + name;
      const mode = sz.FS.lstat(path).mode;
      if (sz.FS.isDir(mode)) others(path, found);
      else if (sz.FS.isFile(mode)) {
        // Written and not closed (a command that failed), or never written (an empty file).
        const node = sz.FS.lookupPath(path).node;
        finish(node, node.custodietHanded !== true);
      }
      else found.push({ name: path.slice(pin.mount.length + 1), kind: sz.FS.isLink(mode) ? "link" : "other" });
    }
    return found;
  };
  return { sz, exports, others, hostDir: undefined, commands: 0 };
}
async function run(command) {
  stdout = "";
  stderr = "";
  maxOutput = command.maxOutput;
  maxWrite = command.maxWrite;
  written = 0;
  capped = false;
  pin = undefined;
  pinned = 0;
  const current = await instance();
  const freshInstance = current.commands === 0;
  kept = undefined;
  const { sz, exports } = current;
  if (current.hostDir !== command.hostDir) {
    sz.FS.chdir("/");
    if (current.hostDir !== undefined) sz.FS.unmount("/w");
    sz.FS.mount(sz.NODEFS, { root: command.hostDir }, "/w");
    current.hostDir = command.hostDir;
  }
  sz.FS.chdir("/w");
  if (command.pin !== undefined) {
    const { dir, to, spool, spoolFd } = command.pin;
    pin = { mount: "/w/" + dir, to, spool, spoolFd, spoolEnd: 0, writing: undefined };
    sz.FS.mount(sz.FS.root.mount.type, {}, pin.mount);
  }
  // callMain leaves its arguments on the stack, and exit() leaves main's frames there too.
  const stack = exports.emscripten_stack_get_current();
  let exitCode = 0;
  let healthy = true;
  let leftovers;
  try {
    // callMain puts the program's name in front of the array it is given: a copy each time.
    const result = sz.callMain([...command.args]);
    if (typeof result === "number") exitCode = result;
  } catch (error) {
    // An abort or a trap: this instance is done.
    healthy = false;
    if (error && typeof error.status === "number") exitCode = error.status;
    else { exitCode = -1; stderr += String(error && error.message || error); }
  }
  if (healthy) {
    exports._emscripten_stack_restore(stack);
    // Files a failed command left open would hold the host's descriptors.
    for (const stream of sz.FS.streams) if (stream && stream.fd > 2) try { sz.FS.close(stream); } catch {}
    if (pin !== undefined) {
      try {
        leftovers = current.others(pin.mount, []);
      } catch (error) {
        healthy = false;
        stderr += "listing what was extracted failed: " + String(error && error.message || error);
      }
      try { sz.FS.unmount(pin.mount); } catch { healthy = false; }
    }
    pin = undefined;
    current.commands += 1;
    // Only a command that ended well leaves the instance for the next one, for a bounded number of commands
    // and memory: an error exit may leave 7-Zip's heap and globals as it left them.
    if (healthy && exitCode === 0 && !capped && current.commands < REUSE_COMMANDS && exports.memory.buffer.byteLength <= REUSE_MEMORY)
      kept = current;
  }
  return { stdout, stderr, exitCode, capped, written, freshInstance, ...(leftovers === undefined ? {} : { leftovers }) };
}
parentPort.on("message", (command) => {
  run(command).then(
    (result) => parentPort.postMessage(result),
    (error) => {
      kept = undefined;
      parentPort.postMessage({ stdout: "", stderr: String(error && error.stack || error), exitCode: -2, capped: false, written: 0, freshInstance: true });
    },
  );
});
`;

export interface SevenZipResult {
  readonly stdout: string;
  readonly stderr: string;
  /** 0 ok, 1 warning, 2 fatal error, 7 command line, 8 memory; negative: crashed in WASM. */
  readonly exitCode: number;
  /** The NODEFS write cap was hit. */
  readonly capped: boolean;
  readonly written: number;
  /** The command ran on a new 7-Zip instance, not on one an earlier command left (see REUSE_COMMANDS). */
  readonly freshInstance: boolean;
  /** The time budget ran out and the worker was terminated. */
  readonly aborted: boolean;
  /** With `pin`: what the command made under its folder that is no regular file. */
  readonly leftovers?: readonly { readonly name: string; readonly kind: "link" | "other" }[];
}

/** A file a command wrote and closed (see SevenZipCommandOptions.pin), and where its bytes now are. */
export interface ClosedFile {
  /** Its path under the pinned folder. */
  readonly name: string;
  /** The host file that holds its bytes. */
  readonly file: string;
  readonly size: number;
  /** Where its bytes start in `file`, a spool of the command's files; absent: `file` is this file's alone. */
  readonly offset?: number;
}

export interface SevenZipCommandOptions {
  readonly maxWrite?: number;
  readonly maxOutput?: number;
  /**
   * The command writes its files under `dir` (a folder of the session's, which is then held in memory) and
   * each, once closed, is in a host file in `to` (an empty folder on the host): a range of the command's
   * spool (or a file of its own, were 7-Zip to write two files at once). `onClosed` names it while the
   * command runs. What is under `dir` and not a regular file comes in the result (`leftovers`).
   */
  readonly pin?: {
    readonly dir: string;
    readonly to: string;
    readonly onClosed: (closed: ClosedFile) => void;
  };
}

/** A worker running 7-Zip commands one after another with `hostDir` as the working directory. */
export interface SevenZipSession {
  run(args: readonly string[], options?: SevenZipCommandOptions): Promise<SevenZipResult>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
let modulePath: string | undefined;
/** The compiled 7-Zip WASM (a WebAssembly.Module), shared with every 7-Zip worker of this thread. */
let wasmModule: Promise<object> | undefined;

interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
}

function compiledWasm(): Promise<object> {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  wasmModule ??= readFile(join(dirname(require.resolve("7z-wasm")), "7zz.wasm")).then((bytes) =>
    wasm.compile(bytes),
  );
  return wasmModule;
}

const failed = (exitCode: number, stderr: string, aborted = false): SevenZipResult => ({
  stdout: "",
  stderr,
  exitCode,
  capped: false,
  written: 0,
  freshInstance: true,
  aborted,
});

/**
 * Idle 7-Zip workers kept in this thread for the next session, at most this many: as many as the artifacts a
 * thread has in flight (IN_FLIGHT_PER_JOB in the engine), each of which may hold a session. With two, 400 small
 * `.xz` files (`--jobs 1`) ran in 84 threads; with four, in 5.
 */
const IDLE_WORKERS = 4;
/** An idle worker is ended after this long, so that it holds no memory when no container needs it. */
const IDLE_MILLIS = 3000;
const idleWorkers: { worker: Worker; timer: NodeJS.Timeout; onExit: () => void }[] = [];
let workersStarted = 0;

/** How many 7-Zip workers this thread has started (for tests of the reuse). */
export function sevenZipWorkersStarted(): number {
  return workersStarted;
}

function takeIdleWorker(): Worker | undefined {
  const idle = idleWorkers.pop();
  if (idle === undefined) return undefined;
  clearTimeout(idle.timer);
  idle.worker.off("exit", idle.onExit);
  idle.worker.off("error", idle.onExit);
  idle.worker.ref();
  return idle.worker;
}

/** Keeps a worker whose commands all ended for the next session; it does not keep the process alive. */
function keepIdleWorker(worker: Worker): void {
  if (idleWorkers.length >= IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  const entry = {
    worker,
    timer: setTimeout(() => {
      drop();
      void worker.terminate();
    }, IDLE_MILLIS),
    onExit: () => {
      drop();
    },
  };
  const drop = (): void => {
    clearTimeout(entry.timer);
    const at = idleWorkers.indexOf(entry);
    if (at >= 0) idleWorkers.splice(at, 1);
  };
  entry.timer.unref();
  worker.once("exit", entry.onExit);
  // An error while idle (the worker then exits) must not go unheard: an emitter throws an unheard error.
  worker.on("error", entry.onExit);
  worker.unref();
  idleWorkers.push(entry);
}

/**
 * Opens a session on a 7-Zip worker (an idle one, or a new one when a command first runs); `signal` (the
 * time budget) terminates it and fails the running command.
 */
export async function openSevenZipSession(hostDir: string, signal: AbortSignal): Promise<SevenZipSession> {
  modulePath ??= require.resolve("7z-wasm");
  const compiled = await compiledWasm();
  let worker: Worker | undefined;
  let pending: ((result: SevenZipResult) => void) | undefined;
  /** The running command's listener for files closed (see SevenZipCommandOptions.pin). */
  let onClosed: ((closed: ClosedFile) => void) | undefined;
  /**
   * The descriptor of the running command's spool. This thread opens and closes it: a worker ended by the
   * time budget closes nothing, and this thread closes it only once the worker is stopped, so that the
   * worker never writes to a number reused for another file.
   */
  let spoolFd: number | undefined;
  let dead: SevenZipResult | undefined;
  const settle = (result: SevenZipResult): void => {
    const resolve = pending;
    pending = undefined;
    onClosed = undefined;
    resolve?.(result);
  };
  const closeSpool = (): void => {
    if (spoolFd !== undefined) closeQuietly(spoolFd);
    spoolFd = undefined;
  };
  const kill = (result: SevenZipResult): void => {
    dead ??= result;
    signal.removeEventListener("abort", onAbort);
    if (worker !== undefined) void worker.terminate().then(closeSpool, closeSpool);
    else closeSpool();
    settle(result);
  };
  const onAbort = (): void => {
    kill(failed(-3, "time budget", true));
  };
  const onMessage = (
    message:
      | Omit<SevenZipResult, "aborted">
      | { readonly closed: string; readonly file: string; readonly size: number; readonly offset?: number },
  ): void => {
    if ("closed" in message) {
      const { closed: name, file, size, offset } = message;
      onClosed?.(offset === undefined ? { name, file, size } : { name, file, size, offset });
    } else {
      // The command is over: the worker writes no more.
      closeSpool();
      settle({ ...message, aborted: false });
    }
  };
  const onError = (error: Error): void => {
    kill(failed(-4, errorMessage(error)));
  };
  const onExit = (code: number): void => {
    kill(failed(-5, `worker exited ${code}`));
  };
  const attach = (): Worker => {
    const startNew = (): Worker => {
      workersStarted += 1;
      return new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { modulePath, wasmModule: compiled },
        resourceLimits: { maxOldGenerationSizeMb: 1024 },
        stdout: true,
        stderr: true,
      });
    };
    const attached = takeIdleWorker() ?? startNew();
    attached.on("message", onMessage);
    attached.on("error", onError);
    attached.on("exit", onExit);
    return attached;
  };
  if (signal.aborted) dead = failed(-3, "time budget", true);
  else signal.addEventListener("abort", onAbort, { once: true });
  return {
    run(args, options = {}) {
      if (dead !== undefined) return Promise.resolve(dead);
      let pin: { dir: string; to: string; spool: string; spoolFd: number } | undefined;
      if (options.pin !== undefined) {
        // A host that cannot make it (out of space) fails the command as any write to the host would.
        const spool = join(options.pin.to, "spool");
        try {
          spoolFd = openSync(spool, "wx");
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        pin = { dir: options.pin.dir, to: options.pin.to, spool, spoolFd };
      }
      worker ??= attach();
      const running = worker;
      return new Promise((resolve) => {
        pending = resolve;
        onClosed = options.pin?.onClosed;
        running.postMessage({
          args: [...args],
          hostDir,
          maxWrite: options.maxWrite ?? Number.MAX_SAFE_INTEGER,
          maxOutput: options.maxOutput ?? 256 * 1024 * 1024,
          ...(pin === undefined ? {} : { pin }),
        });
      });
    },
    async close() {
      signal.removeEventListener("abort", onAbort);
      // A worker that was not terminated and runs no command serves the next session.
      const reusable = dead === undefined && pending === undefined ? worker : undefined;
      dead ??= failed(-6, "session closed");
      if (worker === undefined) return;
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (reusable !== undefined) keepIdleWorker(reusable);
      else {
        await worker.terminate();
        // A command still running (its caller gave up on it) had its spool open; the worker is stopped now.
        closeSpool();
      }
    },
  };
}

/** Runs one 7-Zip command with `hostDir` mounted as the working directory `/w`. */
export async function runSevenZip(
  args: readonly string[],
  hostDir: string,
  options: { signal: AbortSignal } & SevenZipCommandOptions,
): Promise<SevenZipResult> {
  const session = await openSevenZipSession(hostDir, options.signal);
  try {
    return await session.run(args, options);
  } finally {
    await session.close();
  }
}

/** One entry of `7z l -slt`. */
export interface SevenZipEntry {
  readonly path: string;
  readonly folder: boolean;
  readonly size: number | undefined;
  readonly packedSize: number | undefined;
  readonly encrypted: boolean;
  readonly symlink: boolean;
  /** Device, FIFO or socket. */
  readonly special: boolean;
  readonly offset: number | undefined;
  readonly attributes: string;
}

/** Parses the technical listing; the archive's own block (before "----------") is skipped. */
export function parseSlt(stdout: string): SevenZipEntry[] {
  const start = stdout.indexOf("\n----------\n");
  if (start < 0) return [];
  const entries: SevenZipEntry[] = [];
  for (const block of stdout.slice(start + 12).split(/\n{2,}/)) {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const eq = line.indexOf(" = ");
      if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 3));
    }
    // Single-stream formats (xz, bzip2, …) list one unnamed item; `compress` (.Z) gives only its packed size.
    const path = fields.get("Path") ?? (fields.has("Size") || fields.has("Packed Size") ? "" : undefined);
    if (path === undefined) continue;
    const attributes = fields.get("Attributes") ?? "";
    const mode = fields.get("Mode")?.[0] ?? /\s([-dlcbps])[-rwxsStT]{9}$/.exec(attributes)?.[1];
    const num = (key: string): number | undefined => {
      const value = fields.get(key);
      return value === undefined || value === "" ? undefined : Number(value);
    };
    entries.push({
      path,
      folder: fields.get("Folder") === "+" || mode === "d" || attributes.startsWith("D"),
      size: num("Size"),
      packedSize: num("Packed Size"),
      encrypted: fields.get("Encrypted") === "+",
      symlink:
        mode === "l" || (fields.get("Symbolic Link") ?? "") !== "" || (fields.get("Link") ?? "") !== "",
      special: mode !== undefined && "cbps".includes(mode),
      offset: num("Offset"),
      attributes,
    });
  }
  return entries;
}

/** Copies a ByteSource into a file (7-Zip needs a seekable file). */
export async function spillSource(source: ByteSource, path: string, signal: AbortSignal): Promise<void> {
  const stream = createWriteStream(path, { flags: "wx" });
  try {
    for await (const chunk of source.chunks(COPY_CHUNK)) {
      if (signal.aborted) break;
      if (!stream.write(chunk))
        await new Promise<void>((resolve) =>
          stream.once("drain", () => {
            resolve();
          }),
        );
    }
  } finally {
    await new Promise<void>((resolve, reject) => {
      stream.end((error?: Error | null) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }
}

export interface SevenZipExtractOptions {
  /** Extractor name recorded as `via`. */
  readonly via: string;
  /** Forces the 7-Zip format (`-t<type>`), e.g. "squashfs"; otherwise 7-Zip detects. */
  readonly type?: string;
  /** For single-stream formats (gzip/xz/…) 7-Zip names the output; fall back to this label. */
  readonly singleName?: string;
  /** Extract only these members (others are left out silently), e.g. zip members in methods the zip reader lacks. */
  readonly only?: ReadonlySet<string>;
  /** The container budget to continue (member count and bytes already used), when called from another extractor. */
  readonly budget?: ContainerBudget;
}

/**
 * Lists the archive, applies the budgets per member, extracts the admitted members into the temp dir and
 * yields them. Used by every format 7-Zip reads.
 */
export async function* extractWithSevenZip(
  source: ByteSource,
  context: ExtractContext,
  options: SevenZipExtractOptions,
): AsyncGenerator<ExtractEvent> {
  const budget = options.budget ?? new ContainerBudget(context, options.via);
  const work = await makeWorkDir(context.tempDir);
  const input = join(work, "in");
  await spillSource(source, input, context.signal);
  if (context.signal.aborted) {
    yield partial("budget-time", `time budget of ${context.budgets.maxMillisPerArtifact} ms ran out`);
    return;
  }
  const session = await openSevenZipSession(work, context.signal);
  try {
    yield* listAndExtract(session, source, context, options, budget, work);
  } finally {
    await session.close();
  }
}

async function* listAndExtract(
  session: SevenZipSession,
  source: ByteSource,
  context: ExtractContext,
  options: SevenZipExtractOptions,
  budget: ContainerBudget,
  work: string,
): AsyncGenerator<ExtractEvent> {
  const { via } = options;
  const typeArgs = options.type === undefined ? [] : [`-t${options.type}`];
  // -sns: alternate streams (NTFS's, HFS+ resource forks) are listed as they are extracted, so their bytes
  // are admitted too.
  const listing = await session.run(["l", "-slt", "-sns", "-p-", "-sccUTF-8", ...typeArgs, "in"]);
  if (listing.aborted) {
    yield partial(
      "budget-time",
      `time budget of ${context.budgets.maxMillisPerArtifact} ms ran out while listing`,
    );
    return;
  }
  const entries = parseSlt(listing.stdout);
  if (entries.length === 0) {
    const encrypted = /wrong password|encrypted/i.test(listing.stderr + listing.stdout);
    // A carve's guess that 7-Zip does not take for this format was never a container: its bytes were
    // searched as the carve's slice, and nothing in the parent is damaged (a file named so still is noted).
    if (context.carved === true && !encrypted && /Cannot open the file as/u.test(listing.stderr)) return;
    // Listed without an error and holding nothing: an empty container (glibc ships `!<arch>\n` alone as
    // libdl.a and others), which is no damage.
    if (listing.exitCode === 0 && !encrypted) return;
    yield partial(
      encrypted ? "encrypted" : "corrupt",
      `7-Zip could not list the ${via} container: ${firstLine(listing.stderr) || `exit ${listing.exitCode}`}`,
    );
    return;
  }
  const ratioCap = Math.max(source.size * context.budgets.maxRatio, RATIO_FLOOR_BYTES);
  const excluded: string[] = [];
  const skippedNames = new Set<string>();
  const info = new Map<string, SevenZipEntry>();
  let admittedBytes = 0;
  for (const entry of entries) {
    if (entry.folder) continue;
    // Past the member budget (recorded once), the rest is left out silently.
    const overMembers = budget.members > context.budgets.maxMembers;
    if (overMembers || (options.only !== undefined && !options.only.has(entry.path))) {
      excluded.push(entry.path);
      skippedNames.add(entry.path);
      continue;
    }
    info.set(entry.path, entry);
    // A single stream's one unnamed item (a disk image's disk, a .Z's file) is recorded under the name its
    // child would have had.
    const name = entry.path === "" && options.singleName !== undefined ? options.singleName : entry.path;
    let skip = undefined;
    if (entry.symlink) skip = budget.skip(name, "not-a-regular-file", "symbolic link, not followed");
    else if (entry.special) skip = budget.skip(name, "not-a-regular-file", "device, FIFO or socket");
    else if (entry.encrypted) skip = budget.skip(name, "encrypted", "encrypted member");
    else skip = budget.admit(name, entry.size, entry.packedSize);
    if (skip === undefined && entry.size !== undefined) {
      if (admittedBytes + entry.size > budget.remaining) {
        skip = budget.skip(name, "budget-total-bytes", `total expanded bytes would pass ${budget.remaining}`);
      } else if (entry.packedSize === undefined && admittedBytes + entry.size > ratioCap) {
        // Solid archives give no per-member packed size: the container as a whole keeps to the ratio.
        skip = budget.skip(
          name,
          "budget-ratio",
          `the container would expand past ${context.budgets.maxRatio} × its ${source.size} bytes`,
        );
      } else admittedBytes += entry.size;
    }
    if (skip !== undefined) {
      excluded.push(entry.path);
      skippedNames.add(entry.path);
      yield skip;
    }
  }
  // Nothing left to extract, or an unnamed stream (xz, bzip2, …) that cannot be excluded by name: stop here.
  const files = entries.filter((entry) => !entry.folder);
  if (files.every((entry) => skippedNames.has(entry.path)) || skippedNames.has("")) return;
  const listFile = join(work, "exclude.txt");
  await writeText(listFile, excluded.map((name) => `${name}\n`).join(""));
  // Single-stream formats whose size is unknown still get the ratio budget via the write cap.
  const unknownSize = entries.some((entry) => !entry.folder && entry.size === undefined);
  // Sizes that headers declare were admitted above; the cap stops headers that lie and streams of unknown size.
  const cap = Math.min(
    budget.remaining,
    admittedBytes + (unknownSize ? Math.min(context.budgets.maxFileSize, ratioCap) : 0),
  );
  const pins = join(work, "pinned");
  await mkdir(join(work, "out"));
  await mkdir(pins);
  // Members are handed on as 7-Zip closes them, so that they are scanned while it writes the next ones (a
  // firmware image's file system took 7-Zip 1.2 s, which the scan of its files waited for).
  const closed: ClosedFile[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  /** Set once the command's result came (a holder: it changes in a callback). */
  const command = { ended: false };
  const running = session.run(
    ["x", "-sns", "-p-", "-y", "-spd", "-snld-", "-sccUTF-8", ...typeArgs, "-oout", `-x@exclude.txt`, "in"],
    {
      maxWrite: cap,
      maxOutput: 1024 * 1024,
      pin: {
        dir: "out",
        to: pins,
        onClosed: (file) => {
          closed.push(file);
          wake?.();
        },
      },
    },
  );
  void running.then(() => {
    command.ended = true;
    wake?.();
  });
  let count = 0;
  for (;;) {
    if (taken < closed.length) {
      const { name, file, size, offset } = closed[taken++]!;
      count += 1;
      budget.written += size;
      const inParent = info.get(name)?.offset;
      yield child(
        entries.length === 1 && options.singleName !== undefined ? options.singleName : name,
        via,
        offset === undefined ? { file } : { file, range: { offset, length: size } },
        inParent === undefined ? {} : { offsetInParent: inParent },
      );
      continue;
    }
    // Every file closed is named before the command's result comes.
    if (command.ended) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  const run = await running;
  // Links and special files 7-Zip made. (A member being written when the time budget ended the worker is
  // lost with it; every member closed before was handed on.)
  for (const made of run.leftovers ?? [])
    if (!skippedNames.has(made.name))
      yield budget.skip(
        made.name,
        "not-a-regular-file",
        `${made.kind === "link" ? "symbolic link" : "special file"}, not followed`,
      );
  if (run.aborted)
    yield partial("budget-time", `time budget of ${context.budgets.maxMillisPerArtifact} ms ran out`);
  else if (run.capped) {
    const reason = cap >= budget.remaining ? "budget-total-bytes" : unknownSize ? "budget-ratio" : "corrupt";
    yield partial(
      reason,
      `extraction stopped after ${cap} bytes (more than the headers declare or the budget allows)`,
    );
  } else if (
    run.exitCode !== 0 &&
    !(count > 0 && context.carved === true && onlyTrailingData(run.stderr)) &&
    !(context.carved === true && via === "lzma" && /Data Error/u.test(run.stderr))
  ) {
    const reason = /wrong password|encrypted/i.test(run.stderr) ? "encrypted" : "corrupt";
    yield partial(
      reason,
      `7-Zip exit ${run.exitCode}: ${firstLine(run.stderr) || "error"} (${count} members read)`,
    );
  }
}

/*
 * A carved LZMA header is three weak bytes (0x5d 0x00 0x00) and a plausible dictionary and size: object code
 * and tables have them (LLVM's and FFTW's static libraries: 10 carves in the 1,674 packages of an apt cache).
 * When such a slice does not decode, it is no damaged stream but no stream: what 7-Zip wrote is still scanned,
 * and no damage is recorded. A file that is an LZMA stream (not carved) still gets its notice.
 */

/**
 * 7-Zip's only complaint is bytes after the end of a single stream (lzma, xz, …): its payload came out
 * whole. A carved stream always has some, as a carve cannot know where the stream ends.
 */
function onlyTrailingData(stderr: string): boolean {
  const errors = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /error/iu.test(line));
  return (
    errors.length > 0 &&
    errors.every((line) => line.startsWith("ERROR: There are some data after the end of the payload data"))
  );
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("7-Zip") && !line.startsWith("Scanning"))
      .slice(0, 3)
      .join("; ") || ""
  );
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Closed already: nothing to do.
  }
}

async function makeWorkDir(tempDir: string): Promise<string> {
  const dir = safeTempName(tempDir, "7z");
  await mkdir(dir);
  return dir;
}

async function writeText(path: string, text: string): Promise<void> {
  await writeFile(path, text, "utf8");
}
