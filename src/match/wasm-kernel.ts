/**
 * The DFA inner loop as a small WebAssembly function, assembled here byte by byte (no toolchain needed).
 *
 * Why: on the benchmark machine the same four-lane loop runs about 1.3x faster in WebAssembly than in
 * JavaScript (no bounds checks, addresses folded into load offsets), and unlike JavaScript its speed does
 * not depend on the JIT specialising a closure per automaton. See docs/PERFORMANCE.md for the numbers.
 *
 * Memory layout of one kernel (one per automaton per thread):
 *   [0, 16)        four lane states, as byte offsets into the table (state * classCount * 4), negative
 *                  when the state has outputs
 *   [64, 320)      byte → class
 *   [TABLE, ...)   transitions, i32, the automaton's premultiplied table times 4
 *   [scratch, +S)  the bytes being scanned, copied in (or read in directly through `scratchView`)
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
}

const CLASS_BASE = 64;
const TABLE_BASE = 1024;
export const LANES = 4;

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
 * walk(data, stride, from, to) → k. Lane i reads memory[data + i * stride + k] for k in [from, to), with
 * its state in memory[4i]. Stops at the first k where a lane reaches a state with outputs (that lane's
 * state is stored negative) and returns it; returns `to` when no lane did.
 */
export function assembleKernel(pages: number): Uint8Array {
  const get = (index: number) => [op.localGet, index];
  const set = (index: number) => [op.localSet, index];
  const constant = (value: number) => [op.i32Const, ...sleb(value)];
  const lanes = Array.from({ length: LANES }, (_, lane) => lane);
  // Locals: params 0 data, 1 stride, 2 from, 3 to; then state_i = 4 + i, address_i = 4 + LANES + i, end.
  const state = (lane: number) => 4 + lane;
  const address = (lane: number) => 4 + LANES + lane;
  const end = 4 + 2 * LANES;
  // prettier-ignore
  const step = (lane: number) => [
    ...get(state(lane)),
    ...get(address(lane)),
    op.i32Load8U, 0, 0,
    op.i32Load8U, 0, ...leb(CLASS_BASE),
    ...constant(2),
    op.i32Shl,
    op.i32Add,
    op.i32Load, 2, ...leb(TABLE_BASE),
    ...set(state(lane)),
  ];
  // prettier-ignore
  const body = [
    1, 2 * LANES + 1, op.i32,
    ...get(0), ...get(2), op.i32Add, ...set(address(0)),
    ...get(0), ...get(3), op.i32Add, ...set(end),
    ...lanes.slice(1).flatMap((lane) => [...get(address(lane - 1)), ...get(1), op.i32Add, ...set(address(lane))]),
    ...lanes.flatMap((lane) => [...constant(0), op.i32Load, 2, ...leb(4 * lane), ...set(state(lane))]),
    op.block, op.void,
    op.loop, op.void,
    ...get(address(0)), ...get(end), op.i32GeU, op.brIf, 1,
    ...lanes.flatMap(step),
    ...get(state(0)),
    ...lanes.slice(1).flatMap((lane) => [...get(state(lane)), op.i32Or]),
    ...constant(0), op.i32LtS, op.brIf, 1,
    ...lanes.flatMap((lane) => [...get(address(lane)), ...constant(1), op.i32Add, ...set(address(lane))]),
    op.br, 0,
    op.end,
    op.end,
    ...lanes.flatMap((lane) => [...constant(0), ...get(state(lane)), op.i32Store, 2, ...leb(4 * lane)]),
    ...get(address(0)), ...get(0), op.i32Sub,
    op.end,
  ];
  // prettier-ignore
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 4, op.i32, op.i32, op.i32, op.i32, 1, op.i32]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, ...leb(pages)]),
    ...section(7, [2, ...name("memory"), 2, 0, ...name("walk"), 0, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

/** A compiled kernel holding one automaton's table, with a scratch area for the bytes to scan. */
export interface Kernel {
  /** Lane states (JavaScript-side premultiplied states; the kernel's are these times 4). */
  readonly states: Int32Array;
  /** Where bytes to scan go; its length is the most one call can scan. */
  readonly scratch: Uint8Array;
  /** Scans scratch[lane * stride + k] for k in [from, to); see `assembleKernel`. */
  walk(stride: number, from: number, to: number): number;
}

let wasmAvailable: WasmApi | undefined | null = null;

function wasmApi(): WasmApi | undefined {
  if (wasmAvailable === null) {
    const candidate = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    wasmAvailable = candidate;
  }
  return wasmAvailable ?? undefined;
}

/**
 * Compiles a kernel for a transition table (values state * classCount, negative for output states) and a
 * class map, with `scratchBytes` of scratch. Returns undefined when WebAssembly is unavailable or the table
 * is too large for 32-bit addressing.
 */
export function createKernel(
  transitions: Int32Array,
  classOf: Uint8Array,
  scratchBytes: number,
): Kernel | undefined {
  const api = wasmApi();
  if (api === undefined) return undefined;
  const tableBytes = transitions.length * 4;
  const scratchBase = Math.ceil((TABLE_BASE + tableBytes) / 64) * 64;
  const total = scratchBase + scratchBytes;
  if (total > 0x7fff0000) return undefined;
  const pages = Math.ceil(total / 65536);
  const instance = new api.Instance(new api.Module(assembleKernel(pages)));
  const memory = instance.exports.memory as WasmMemory;
  const walk = instance.exports.walk as (data: number, stride: number, from: number, to: number) => number;
  const bytes = new Uint8Array(memory.buffer);
  bytes.set(classOf, CLASS_BASE);
  const table = new Int32Array(memory.buffer, TABLE_BASE, transitions.length);
  for (let index = 0; index < transitions.length; index++) table[index] = transitions[index]! * 4;
  const laneStates = new Int32Array(memory.buffer, 0, LANES);
  const states = new Int32Array(LANES);
  return {
    states,
    scratch: bytes.subarray(scratchBase, scratchBase + scratchBytes),
    walk(stride, from, to) {
      for (let lane = 0; lane < LANES; lane++) laneStates[lane] = states[lane]! * 4;
      const k = walk(scratchBase, stride, from, to);
      for (let lane = 0; lane < LANES; lane++) states[lane] = laneStates[lane]! / 4;
      return k;
    },
  };
}
