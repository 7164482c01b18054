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
 * A second function, `filter`, walks one stripe with a prefilter that skips where no needle can begin: on
 * random data (firmware, compressed parts, machine code) that is most bytes, and skipping runs about 1.7x
 * faster than the eight lanes. The matcher picks one of the two per window.
 *
 * Memory layout (one memory per automaton per thread; `buildAutomaton` writes its table straight into it, so
 * the kernel needs no second copy):
 *   [0, 4 * LANES) lane states, as byte offsets into the table (state * classCount * 4), negative when
 *                  the state has outputs — the same values as the automaton's `transitions`
 *   [64, 320)      byte → class (unused when the table is indexed by byte)
 *   [PAIR_BASE, +64 KiB)   the prefilter's pair table (`PAIR_BITS` per little-endian u16), see `assembleFilter`
 *   [TABLE_BASE, +table)   the automaton's transitions, i32
 *   [scratch, +LANES * LANE_STRIDE)  the bytes being scanned; lane i reads scratch[i * LANE_STRIDE + k]
 *
 * A scan arena (`lendScanArena`) is such a memory, shared, made before its automaton: it starts with a
 * region a reader fills (the hashing thread's blocks, read from files there) and the table follows that
 * region. Bytes in the region are scanned where they lie, without the copy into the scratch window.
 */

/** The few WebAssembly API members we use (the project's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

const CLASS_BASE = 64;
/** The prefilter's pair table: one byte per (text[j], text[j + 1]), indexed by their little-endian u16. */
export const PAIR_BASE = 1024;
export const PAIR_BYTES = 1 << 16;
export const TABLE_BASE = PAIR_BASE + PAIR_BYTES;
export const LANES = 8;
/** Bytes between two lanes' stripes: 128 KiB + 512, so the eight lanes fall into different L1 sets. */
export const LANE_STRIDE = (1 << 17) + 512;
/** The most one kernel call scans: eight full stripes (just over 1 MiB). */
export const WINDOW_BYTES = LANES * LANE_STRIDE;
/** WebAssembly pages of 64 KiB. */
const PAGE_BYTES = 1 << 16;
/** Kernel memories stay below this many bytes (addresses are i32 values; the state's sign marks outputs). */
const MEMORY_LIMIT = 0x7fff0000;
/** The largest memory a shared kernel memory may grow to, in pages (what its import declares). */
const SHARED_MAX_PAGES = Math.floor(MEMORY_LIMIT / PAGE_BYTES);
/** Where a scan arena's reader region starts: after the header, the classes and the pair table. */
const ARENA_BASE = 1 << 17;

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
  i32Load16U: 0x2f,
  i32Store: 0x36,
  i32Const: 0x41,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  localTee: 0x22,
  if: 0x04,
  return: 0x0f,
  unreachable: 0x00,
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
 *
 * The table's address is part of the code (`tableBase`, folded into each load's offset); `shared` makes the
 * module import a shared memory (a scan arena's).
 */
export function assembleKernel(byteIndexed: boolean, tableBase = TABLE_BASE, shared = false): Uint8Array {
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
    op.i32Load, 2, ...leb(tableBase),
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
  const filterBody = assembleFilter(byteIndexed, tableBase);
  const limits = shared ? [3, ...leb(1), ...leb(SHARED_MAX_PAGES)] : [0, 1];
  // prettier-ignore
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, 3, op.i32, op.i32, op.i32, 1, op.i32, 0x60, 4, op.i32, op.i32, op.i32, op.i32, 1, op.i32]),
    ...section(2, [1, ...name("env"), ...name("memory"), 2, ...limits]),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...name("walk"), 0, 0, ...name("filter"), 0, 1]),
    ...section(10, [2, ...leb(body.length), ...body, ...leb(filterBody.length), ...filterBody]),
  ]);
}

/** Candidate tests per block of the filter's skip loop (16 bytes): 4 and 16 ran no faster. */
const FILTER_UNROLL = 8;

/** Bits of a pair table entry; see `assembleFilter`. */
export const PAIR_BITS = {
  /** The pair is bytes 0-1 of a needle. */
  first: 1,
  /** The pair is bytes 1-2 of a needle. */
  second: 2,
  /** The pair is bytes 2-3 of a needle. */
  third: 4,
  /** The pair is bytes 3-4 of a needle. */
  fourth: 8,
  /** The pair is a 2-byte needle, or the first two bytes of a 3-byte one: enough alone. */
  whole: 16,
  /** The pair is bytes 1-2 of a 3- or 4-byte needle, or a 2-byte needle's byte 1 and any byte: enough alone. */
  tail: 32,
  /** Set in every entry: after the shift by 2 they stand for "whole" and "tail" needing no neighbour. */
  always: 0xc0,
} as const;

/**
 * filter(from, to, state, limit) → k: one DFA walk over memory[from, to) (absolute addresses) that skips
 * stretches where no needle can begin, testing every second position.
 *
 * With v(e) the pair table's entry for the little-endian u16 at e, a needle can begin at e only if
 * first(v(e)) and third(v(e + 2)), or whole(v(e)); and at e - 1 only if second(v(e)) and fourth(v(e + 2)), or
 * tail(v(e)): all of it is v(e) & (v(e + 2) >> 2) & 0x33, one test per two positions (blocks of
 * `FILTER_UNROLL` tests; a block that passes is searched for its first candidate e).
 *
 * Why it is exact: where the test fails at e, no needle begins at e - 1 or e and no trie path of 5 bytes or
 * more starts there. A skip resumes at r and restarts the DFA from the root at J = max(r, e - 1), or, near
 * the end of the window, at max(r, pos - 4). Every trie path that starts at a skipped position in [r, J)
 * ends within 4 bytes and matches nothing, so from J + 3 on the restarted state is the exact one (the
 * longest trie path ending there starts at J or later), and every match ends at J + 1 or later and begins
 * at J or later. The walk checks whether to skip again only from J + 3 on, when the state is back to depth
 * ≤ 2: the path it stands for starts at the byte before or later, and that byte is the next r (never before
 * `from`). Re-walking from r repeats no match: the states at r and r + 1 have none. So the state after
 * memory[to - 1] is exact, and the matches are every match, each once, in order.
 *
 * `state` is the exact state before `from`; `limit` is the first premultiplied state deeper than 2. Returns
 * `to` with the exact state after memory[to - 1] in memory[0], or, at the first k where the walk reaches a
 * state with outputs, k with that state (negative) in memory[0].
 */
function assembleFilter(byteIndexed: boolean, tableBase: number): number[] {
  const get = (index: number) => [op.localGet, index];
  const set = (index: number) => [op.localSet, index];
  const tee = (index: number) => [op.localTee, index];
  const constant = (value: number) => [op.i32Const, ...sleb(value)];
  // Params 0 pos, 1 end, 2 state, 3 limit; locals 4-5 entries, 6 floor, 7 resume.
  const pos = 0;
  const end = 1;
  const state = 2;
  const limit = 3;
  const entry = [4, 5];
  const floor = 6;
  const resume = 7;
  const unroll = FILTER_UNROLL;
  // prettier-ignore
  const lookup = (k: number) => [...get(pos), op.i32Load16U, 0, ...leb(k), op.i32Load8U, 0, ...leb(PAIR_BASE)];
  // v(pos + 2k) & (v(pos + 2k + 2) >> 2), with v(pos + 2k) already in entry[k % 2].
  // prettier-ignore
  const candidate = (k: number) => [
    ...lookup(2 * k + 2), ...tee(entry[(k + 1) % 2]!), ...constant(2), op.i32ShrU, ...get(entry[k % 2]!), op.i32And,
  ];
  const ks = Array.from({ length: unroll }, (_, k) => k);
  // state = transition(from, memory[pos]); pos++
  // prettier-ignore
  const step = (from: number[]) => [
    ...from,
    ...get(pos), op.i32Load8U, 0, 0,
    ...(byteIndexed ? [] : [op.i32Load8U, 0, ...leb(CLASS_BASE)]),
    ...constant(2), op.i32Shl, op.i32Add,
    op.i32Load, 2, ...leb(tableBase),
    ...set(state),
    ...get(pos), ...constant(1), op.i32Add, ...set(pos),
  ];
  const storeState = [...constant(0), ...get(state), op.i32Store, 2, 0];
  // prettier-ignore
  const returnAtEnd = [...get(pos), ...get(end), op.i32GeU, op.if, op.void, ...storeState, ...get(end), op.return, op.end];
  // prettier-ignore
  const checkedStep = [
    ...returnAtEnd,
    ...step(get(state)),
    ...get(state), ...constant(0), op.i32LtS,
    op.if, op.void, ...storeState, ...get(pos), ...constant(1), op.i32Sub, op.return, op.end,
  ];
  // pos = max(pos - back, resume)
  // prettier-ignore
  const backTo = (back: number) => [
    ...get(pos), ...constant(back), op.i32Sub, ...set(pos),
    ...get(pos), ...get(resume), op.i32LtS, op.if, op.void, ...get(resume), ...set(pos), op.end,
  ];
  // prettier-ignore
  return [
    1, 4, op.i32,
    ...get(pos), ...constant(2), op.i32Add, ...set(floor),
    op.loop, op.void,
    op.block, op.void,
    op.loop, op.void,
    ...checkedStep,
    ...get(state), ...get(limit), op.i32LtU, op.brIf, 1,
    op.br, 0,
    op.end,
    op.end,
    // Depth ≤ 2 after memory[pos - 1]: skip from the byte before it (not before `from`, nor past the end).
    ...returnAtEnd,
    ...get(pos), ...get(floor), op.i32LtU, op.brIf, 0,
    ...get(pos), ...constant(2), op.i32Sub, op.localTee, resume, ...set(pos),
    op.block, op.void,
    op.loop, op.void,
    // Too close to the end for a whole block: walk the rest (from up to 4 bytes back, for the exact state).
    op.block, op.void,
    ...get(pos), ...constant(2 * unroll + 2), op.i32Add, ...get(end), op.i32GtU, op.brIf, 0,
    ...lookup(0), ...set(entry[0]!),
    ...candidate(0), ...ks.slice(1).flatMap((k) => [...candidate(k), op.i32Or]),
    ...constant(0x33), op.i32And,
    op.if, op.void,
    // A candidate in this block: find it, restart from the root one byte before it.
    op.loop, op.void,
    ...lookup(0), ...lookup(2), ...constant(2), op.i32ShrU, op.i32And, ...constant(0x33), op.i32And,
    op.if, op.void, ...backTo(1), op.br, 5, op.end,
    ...get(pos), ...constant(2), op.i32Add, ...set(pos),
    op.br, 0,
    op.end,
    op.end,
    ...get(pos), ...constant(2 * unroll), op.i32Add, ...set(pos),
    op.br, 1,
    op.end,
    ...backTo(4),
    op.br, 1,
    op.end,
    op.end,
    // The root's moves have no outputs. The loop above checks the fourth byte's state (exact) before skipping.
    ...step(constant(0)),
    ...checkedStep,
    ...checkedStep,
    op.br, 0,
    op.end,
    op.unreachable,
    op.end,
  ];
}

/** A compiled kernel over one automaton's table, with a scratch area for the bytes to scan. */
export interface Kernel {
  /** Lane states, the same values as the automaton's transitions (negative: the state has outputs). */
  readonly states: Int32Array;
  /**
   * Where bytes to scan are laid out (`WINDOW_BYTES`); lane i's stripe starts at i * LANE_STRIDE. Its
   * `byteOffset` is its address in the kernel's memory.
   */
  readonly scratch: Uint8Array;
  /**
   * Scans memory[window + lane * LANE_STRIDE + k] for k in [from, to), where `window` is the address of a
   * window laid out in stripes (the scratch's, or one in the scan arena); see `assembleKernel`.
   */
  walk(window: number, from: number, to: number): number;
  /** The prefilter's pair table (see `assembleFilter`). */
  readonly pairs: Uint8Array;
  /**
   * One filtered walk over memory[from, to) of the kernel's memory from `state` (addresses, and so is the
   * result), its state in states[0]; see `assembleFilter`.
   */
  filter(from: number, to: number, state: number, limit: number): number;
  /**
   * Where `bytes` lie in the kernel's memory when they are all inside its scan arena's reader region (see
   * `lendScanArena`), else -1: such bytes are scanned where they lie.
   */
  arenaAddress(bytes: Uint8Array): number;
}

/** A WebAssembly memory laid out for a kernel, with the transition table as a view into it. */
export interface KernelMemory {
  readonly memory: WasmMemory;
  readonly table: Int32Array;
  readonly tableBase: number;
  readonly scratchBase: number;
  /** The scan arena this memory is (shared; its kernel imports a shared memory), if any. */
  readonly arena?: ScanArena;
}

/**
 * Shared memory a reader fills, that a kernel of this thread stands on (see the layout above and
 * `lendScanArena`): `buffer` is the whole memory as it was made, the reader's region is [base, base + length).
 */
export interface ScanArena {
  readonly buffer: SharedArrayBuffer;
  readonly base: number;
  readonly length: number;
}

let api: WasmApi | undefined | null = null;

function wasmApi(): WasmApi | undefined {
  api ??= (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  return api ?? undefined;
}

/** The compiled kernels, by table kind (by class or by byte), table address and memory kind. */
const compiled = new Map<string, object>();

/** What this thread knows of a scan arena. */
interface ArenaState {
  readonly memory: WasmMemory;
  /** A kernel memory stands on it (its table follows the region). */
  claimed: boolean;
  /** Lent to a reader (`lendScanArena`) that has not returned it. */
  lent: boolean;
}

const arenaStates = new WeakMap<ScanArena, ArenaState>();
/**
 * This thread's arenas, as long as a reader or a kernel memory holds them: a scan's hashing thread lends
 * one, and an automaton's kernel memory that stands on one keeps it.
 */
let arenas: WeakRef<ScanArena>[] = [];

function liveArenas(): ScanArena[] {
  const live: ScanArena[] = [];
  arenas = arenas.filter((ref) => {
    const arena = ref.deref();
    if (arena !== undefined) live.push(arena);
    return arena !== undefined;
  });
  return live;
}

/**
 * A scan arena with a reader region of at least `length` bytes, lent to the caller until it calls
 * `returnScanArena`; undefined where WebAssembly or shared memory is unavailable. An arena returned before
 * is lent again, first one a kernel already stands on (whose kernel then scans the new reader's bytes where
 * they lie); else a new one is made. The next kernel memory this thread allocates (`allocateKernelMemory`:
 * the first automaton large enough for one) takes an arena no kernel stands on yet, grown to hold its table
 * after the region. Only the pages the reader touches take memory.
 */
export function lendScanArena(length: number): ScanArena | undefined {
  const wasm = wasmApi();
  if (wasm === undefined || ARENA_BASE + length + WINDOW_BYTES > MEMORY_LIMIT) return undefined;
  const free = liveArenas().filter((arena) => !arenaStates.get(arena)!.lent && arena.length >= length);
  const reused = free.find((arena) => arenaStates.get(arena)!.claimed) ?? free[0];
  if (reused !== undefined) {
    arenaStates.get(reused)!.lent = true;
    return reused;
  }
  let memory: WasmMemory;
  try {
    memory = new wasm.Memory({
      initial: Math.ceil((ARENA_BASE + length) / PAGE_BYTES),
      maximum: SHARED_MAX_PAGES,
      shared: true,
    });
  } catch {
    return undefined;
  }
  if (!(memory.buffer instanceof SharedArrayBuffer)) return undefined;
  const arena: ScanArena = { buffer: memory.buffer, base: ARENA_BASE, length };
  arenaStates.set(arena, { memory, claimed: false, lent: true });
  arenas.push(new WeakRef(arena));
  return arena;
}

/** The reader is done with the arena's region (no read or hash of it is under way any more). */
export function returnScanArena(arena: ScanArena): void {
  const state = arenaStates.get(arena);
  if (state !== undefined) state.lent = false;
}

/**
 * A kernel memory for a table of `entries` values on this thread's newest arena that no kernel stands on
 * (one lent out first), grown to hold the table after the reader region and the scratch window after the
 * table; undefined when there is none or it cannot grow.
 */
function kernelMemoryInArena(entries: number): KernelMemory | undefined {
  const free = liveArenas()
    .filter((arena) => !arenaStates.get(arena)!.claimed)
    .reverse();
  const arena = free.find((candidate) => arenaStates.get(candidate)!.lent) ?? free[0];
  if (arena === undefined) return undefined;
  const state = arenaStates.get(arena)!;
  const tableBase = align64(arena.base + arena.length);
  const scratchBase = align64(tableBase + entries * 4);
  const total = scratchBase + WINDOW_BYTES;
  if (total > MEMORY_LIMIT) return undefined;
  const pages = Math.ceil(total / PAGE_BYTES) - state.memory.buffer.byteLength / PAGE_BYTES;
  try {
    if (pages > 0) state.memory.grow(pages);
  } catch {
    return undefined;
  }
  state.claimed = true;
  const { memory } = state;
  return { memory, table: new Int32Array(memory.buffer, tableBase, entries), tableBase, scratchBase, arena };
}

/**
 * Allocates a kernel memory for a table of `entries` i32 values and a scratch window; undefined when
 * WebAssembly is unavailable or the table is too large for 32-bit addressing. An arena of this thread that
 * no kernel stands on yet is taken when there is one (see `lendScanArena`).
 */
export function allocateKernelMemory(entries: number): KernelMemory | undefined {
  const wasm = wasmApi();
  if (wasm === undefined) return undefined;
  const inArena = kernelMemoryInArena(entries);
  if (inArena !== undefined) return inArena;
  const scratchBase = align64(TABLE_BASE + entries * 4);
  const total = scratchBase + WINDOW_BYTES;
  if (total > MEMORY_LIMIT) return undefined;
  const memory = new wasm.Memory({ initial: Math.ceil(total / PAGE_BYTES) });
  return {
    memory,
    table: new Int32Array(memory.buffer, TABLE_BASE, entries),
    tableBase: TABLE_BASE,
    scratchBase,
  };
}

function align64(value: number): number {
  return Math.ceil(value / 64) * 64;
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
  const byteIndexed = classOf === undefined;
  const { memory, scratchBase, tableBase, arena } = kernelMemory;
  const shared = arena !== undefined;
  const key = `${byteIndexed}:${tableBase}:${shared}`;
  let module = compiled.get(key);
  if (module === undefined) {
    module = new wasm.Module(assembleKernel(byteIndexed, tableBase, shared));
    compiled.set(key, module);
  }
  const instance = new wasm.Instance(module, { env: { memory } });
  const walk = instance.exports.walk as (scratch: number, from: number, to: number) => number;
  const filter = instance.exports.filter as (
    from: number,
    to: number,
    state: number,
    limit: number,
  ) => number;
  const buffer = memory.buffer;
  const bytes = new Uint8Array(buffer);
  if (classOf !== undefined) bytes.set(classOf, CLASS_BASE);
  const regionEnd = arena === undefined ? 0 : arena.base + arena.length;
  return {
    states: new Int32Array(buffer, 0, LANES),
    scratch: bytes.subarray(scratchBase, scratchBase + WINDOW_BYTES),
    walk,
    pairs: bytes.subarray(PAIR_BASE, PAIR_BASE + PAIR_BYTES),
    filter,
    arenaAddress: (view) =>
      arena !== undefined &&
      (view.buffer === arena.buffer || view.buffer === buffer) &&
      view.byteOffset >= arena.base &&
      view.byteOffset + view.length <= regionEnd
        ? view.byteOffset
        : -1,
  };
}
