/**
 * The DFA inner loop as a small WebAssembly function, assembled here byte by byte (no toolchain needed).
 *
 * Why: on the benchmark machine the same loop runs about 1.3x faster in WebAssembly than in JavaScript (no
 * bounds checks, addresses folded into load offsets), and unlike JavaScript its speed does not depend on the
 * JIT specialising a closure per automaton. See docs/PERFORMANCE.md for the numbers.
 *
 * Eight lanes walk eight stripes at fixed distances (`LANE_STRIDE`) in one loop: one pointer serves all
 * lanes, each lane's byte is a load at a constant offset from it, so the loop needs only the pointer, the end
 * and the eight states in registers. The stride is deliberately not a multiple of 4 KiB: with stripes 128 KiB
 * apart all eight byte loads hit the same L1 cache set and the loop ran 12% slower.
 *
 * Memory layout (one memory per automaton per thread; `buildAutomaton` writes its table straight into it, so
 * the kernel needs no second copy):
 *   [0, 4 * LANES) lane states, as byte offsets into the table (state * classCount * 4), negative when
 *                  the state has outputs — the same values as the automaton's `transitions`
 *   [64, 320)      byte → class (unused when the table is indexed by byte)
 *   [TABLE_BASE, +table)   the automaton's transitions, i32
 *   [scratch, +LANES * LANE_STRIDE)  the bytes being scanned; lane i reads scratch[i * LANE_STRIDE + k]
 */

/** The few WebAssembly API members we use (the project's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => WasmInstance;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

const CLASS_BASE = 64;
export const TABLE_BASE = 1024;
export const LANES = 8;
/** Bytes between two lanes' stripes: 128 KiB + 512, so the eight lanes fall into different L1 sets. */
export const LANE_STRIDE = (1 << 17) + 512;
/** The most one kernel call scans: eight full stripes (just over 1 MiB). */
export const WINDOW_BYTES = LANES * LANE_STRIDE;

function leb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function name(text: string): number[] {
  return [...leb(text.length), ...Array.from(text, (char) => char.charCodeAt(0))];
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...leb(bytes.length), ...bytes];
}

const op = {
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  i32Load8U: 0x2d,
  i32Store: 0x36,
  i32Const: 0x41,
  i32LtS: 0x48,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Or: 0x72,
  i32Shl: 0x74,
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  void: 0x40,
  i32: 0x7f,
} as const;

/**
 * walk(scratch, from, to) → k. Lane i reads memory[scratch + i * LANE_STRIDE + k] for k in [from, to), with
 * its state in memory[4i]. Stops at the first k where a lane reaches a state with outputs (that lane's
 * state is stored negative) and returns it; returns `to` when no lane did.
 */
export function assembleKernel(byteIndexed: boolean): Uint8Array {
  const get = (index: number) => [op.localGet, index];
  const set = (index: number) => [op.localSet, index];
  const constant = (value: number) => [op.i32Const, ...sleb(value)];
  const lanes = Array.from({ length: LANES }, (_, lane) => lane);
  // Locals: params 0 scratch, 1 from, 2 to; then pointer, end, state_i = 5 + i.
  const pointer = 3;
  const end = 4;
  const state = (lane: number) => 5 + lane;
  // prettier-ignore
  const step = (lane: number) => [
    ...get(state(lane)),
    ...get(pointer),
    op.i32Load8U, 0, ...leb(lane * LANE_STRIDE),
    ...(byteIndexed ? [] : [op.i32Load8U, 0, ...leb(CLASS_BASE)]),
    ...constant(2),
    op.i32Shl,
    op.i32Add,
    op.i32Load, 2, ...leb(TABLE_BASE),
    ...set(state(lane)),
  ];
  // prettier-ignore
  const body = [
    1, LANES + 2, op.i32,
    ...get(0), ...get(1), op.i32Add, ...set(pointer),
    ...get(0), ...get(2), op.i32Add, ...set(end),
    ...lanes.flatMap((lane) => [...constant(0), op.i32Load, 2, ...leb(4 * lane), ...set(state(lane))]),
    op.block, op.void,
    op.loop, op.void,
    ...get(pointer), ...get(end), op.i32GeU, op.brIf, 1,
    ...lanes.flatMap(step),
    ...get(state(0)),
    ...lanes.slice(1).flatMap((lane) => [...get(state(lane)), op.i32Or]),
    ...constant(0), op.i32LtS, op.brIf, 1,
    ...get(pointer), ...constant(1), op.i32Add, ...set(pointer),
    op.br, 0,
    op.end,
    op.end,
    ...lanes.flatMap((lane) => [...constant(0), ...get(state(lane)), op.i32Store, 2, ...leb(4 * lane)]),
    ...get(pointer), ...get(0), op.i32Sub,
    op.end,
  ];
  // prettier-ignore
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, op.i32, op.i32, op.i32, 1, op.i32]),
    ...section(2, [1, ...name("env"), ...name("memory"), 2, 0, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("walk"), 0, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

/** A compiled kernel over one automaton's table, with a scratch area for the bytes to scan. */
export interface Kernel {
  /** Lane states, the same values as the automaton's transitions (negative: the state has outputs). */
  readonly states: Int32Array;
  /** Where bytes to scan go (`WINDOW_BYTES`); lane i's stripe starts at i * LANE_STRIDE. */
  readonly scratch: Uint8Array;
  /** Scans scratch[lane * LANE_STRIDE + k] for k in [from, to); see `assembleKernel`. */
  walk(from: number, to: number): number;
}

/** A WebAssembly memory laid out for a kernel, with the transition table as a view into it. */
export interface KernelMemory {
  readonly memory: WasmMemory;
  readonly table: Int32Array;
  readonly scratchBase: number;
}

let api: WasmApi | undefined | null = null;

function wasmApi(): WasmApi | undefined {
  api ??= (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  return api ?? undefined;
}

/** The compiled kernels, by table kind: [by class, by byte]. */
const compiled: (object | undefined)[] = [undefined, undefined];

/**
 * Allocates a kernel memory for a table of `entries` i32 values and a scratch window; undefined when
 * WebAssembly is unavailable or the table is too large for 32-bit addressing.
 */
export function allocateKernelMemory(entries: number): KernelMemory | undefined {
  const wasm = wasmApi();
  if (wasm === undefined) return undefined;
  const scratchBase = Math.ceil((TABLE_BASE + entries * 4) / 64) * 64;
  const total = scratchBase + WINDOW_BYTES;
  if (total > 0x7fff0000) return undefined;
  const memory = new wasm.Memory({ initial: Math.ceil(total / 65536) });
  return { memory, table: new Int32Array(memory.buffer, TABLE_BASE, entries), scratchBase };
}

/**
 * Instantiates the kernel on a memory whose table is already filled: indexed by class through `classOf`,
 * or, without `classOf`, by the byte itself (256 entries per state).
 */
export function createKernel(
  kernelMemory: KernelMemory,
  classOf: Uint8Array | undefined,
): Kernel | undefined {
  const wasm = wasmApi();
  if (wasm === undefined) return undefined;
  const kind = classOf === undefined ? 1 : 0;
  const module = (compiled[kind] ??= new wasm.Module(assembleKernel(kind === 1)));
  const { memory, scratchBase } = kernelMemory;
  const instance = new wasm.Instance(module, { env: { memory } });
  const walk = instance.exports.walk as (scratch: number, from: number, to: number) => number;
  const bytes = new Uint8Array(memory.buffer);
  if (classOf !== undefined) bytes.set(classOf, CLASS_BASE);
  return {
    states: new Int32Array(memory.buffer, 0, LANES),
    scratch: bytes.subarray(scratchBase, scratchBase + WINDOW_BYTES),
    walk: (from, to) => walk(scratchBase, from, to),
  };
}
