import type { Needle } from "./needles.js";
import {
  allocateKernelMemory,
  createKernel,
  LANE_STRIDE,
  PAIR_BITS,
  LANES,
  WINDOW_BYTES,
  type Kernel,
  type KernelMemory,
} from "./wasm-kernel.js";

/**
 * A byte DFA (Aho-Corasick with failure links resolved into full transitions) over typed arrays.
 * ASCII letters are folded to lower case, so one path serves both cases; needles whose exact case matters
 * are verified against the original bytes when they match. Large tables have a compressed alphabet (bytes
 * that occur in no needle share class 0, a letter and its capital share one class); tables of up to 16 MiB
 * with 256 entries per state are indexed by the byte itself (`classCount` 256, `classOf` the identity),
 * which saves the kernel one load per byte (11% faster with the built-in pack).
 *
 * The automaton is plain data (numbers, typed arrays, needles), so it survives structured cloning to a
 * worker thread; `shareAutomaton` moves its tables into SharedArrayBuffers so workers need no copy.
 */
export interface Automaton {
  readonly needles: readonly Needle[];
  /** byte → alphabet class (the identity when `classCount` is 256). */
  readonly classOf: Uint8Array;
  readonly classCount: number;
  readonly stateCount: number;
  /**
   * transitions[state * classCount + class] → next * classCount * 4 (the byte offset of next's row, which
   * the WebAssembly kernel uses as is), negated when `next` has outputs. A walk in JavaScript indexes
   * `transitions[(value >> 2) + class]`. States are numbered breadth-first, so the shallow states a scan
   * mostly visits sit together.
   */
  readonly transitions: Int32Array;
  /** Needle ids that end in a state: outputs[outputStart[s] .. outputStart[s + 1]). */
  readonly outputStart: Int32Array;
  readonly outputs: Int32Array;
  /** Per needle: 1 when a DFA match must still be checked byte by byte (exact-case ASCII letters). */
  readonly verify: Uint8Array;
  /** Per needle: its byte length. */
  readonly needleLength: Int32Array;
  readonly maxNeedleLength: number;
}

/** Tables with at least this many entries (256 KiB) are built inside kernel memory. */
const DIRECT_KERNEL_ENTRIES = 1 << 16;
/** Automata with at most this many states get a table indexed by byte (256 entries, 1 KiB per state). */
const BYTE_INDEXED_STATES = 1 << 14;

const foldTable = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) foldTable[byte] = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;

/** byte → the other case of an ASCII letter, else the byte itself. */
const otherCase = Uint8Array.from({ length: 256 }, (_, byte) => (isAsciiLetter(byte) ? byte ^ 0x20 : byte));

function isAsciiLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

export function buildAutomaton(needles: readonly Needle[]): Automaton {
  // Alphabet compression over folded bytes.
  const classOf = new Uint8Array(256);
  const used = new Uint8Array(256);
  for (const needle of needles) for (const byte of needle.bytes) used[foldTable[byte]!] = 1;
  let classCount = 1;
  const classOfFolded = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) if (used[byte]) classOfFolded[byte] = classCount++;
  if (classCount > 256) throw new Error("alphabet overflow");
  for (let byte = 0; byte < 256; byte++) classOf[byte] = classOfFolded[foldTable[byte]!]!;

  // Trie with sparse children (key state * classCount + class), so huge rule packs build in linear memory.
  const children = new Map<number, number>();
  const firstChild: number[] = [-1];
  const nextSibling: number[] = [-1];
  const labelOf: number[] = [0];
  const ends: number[][] = [[]];
  let trieSize = 1;
  let maxNeedleLength = 0;
  const verify = new Uint8Array(needles.length);
  const needleLength = new Int32Array(needles.length);
  for (const needle of needles) {
    if (needle.bytes.length === 0) throw new Error(`needle ${needle.id} is empty`);
    if (needle.id < 0 || needle.id >= needles.length) throw new Error(`needle id ${needle.id} out of range`);
    maxNeedleLength = Math.max(maxNeedleLength, needle.bytes.length);
    needleLength[needle.id] = needle.bytes.length;
    let state = 0;
    for (let k = 0; k < needle.bytes.length; k++) {
      const byte = needle.bytes[k]!;
      if (isAsciiLetter(byte) && needle.foldMask[k] !== 1) verify[needle.id] = 1;
      const cls = classOf[byte]!;
      const key = state * classCount + cls;
      let next = children.get(key);
      if (next === undefined) {
        next = trieSize++;
        children.set(key, next);
        firstChild.push(-1);
        labelOf.push(cls);
        ends.push([]);
        nextSibling.push(firstChild[state]!);
        firstChild[state] = next;
      }
      state = next;
    }
    ends[state]!.push(needle.id);
  }

  // Breadth-first renumbering, failure links and full transitions in one pass.
  const stateCount = trieSize;
  const newId = new Int32Array(stateCount);
  const order = new Int32Array(stateCount);
  const fail = new Int32Array(stateCount); // by new id
  let tail = 1;
  for (let head = 0; head < tail; head++) {
    const trieState = order[head]!;
    for (let child = firstChild[trieState]!; child !== -1; child = nextSibling[child]!) {
      newId[child] = tail;
      order[tail++] = child;
    }
  }
  // A row has one entry per class, or per byte (a class's entry repeated for each of its bytes).
  const byteIndexed = stateCount <= BYTE_INDEXED_STATES;
  const width = byteIndexed ? 256 : classCount;
  const columnsOf = Array.from({ length: classCount }, (_, cls) => (byteIndexed ? [] : [cls]));
  if (byteIndexed) for (let byte = 0; byte < 256; byte++) columnsOf[classOf[byte]!]!.push(byte);
  // Entries are final from the start: next * width * 4, negated when next has outputs. A state's
  // outputs are known when its parent's row is filled (its own needles plus its failure state's outputs).
  // A large table is written straight into the WebAssembly kernel's memory (no second copy). Small ones
  // (rule samples, tests) stay plain: each WebAssembly memory reserves a large guard region of address
  // space, so thousands of tiny automata must not each hold one; they get a kernel on first large chunk.
  const kernelMemory =
    stateCount * width >= DIRECT_KERNEL_ENTRIES ? allocateKernelMemory(stateCount * width) : undefined;
  const table = kernelMemory?.table ?? new Int32Array(stateCount * width);
  const rowBytes = width * 4;
  const none: readonly number[] = [];
  const outputsOf = new Array<readonly number[]>(stateCount).fill(none);
  const encode = (id: number) => (outputsOf[id]!.length > 0 ? -id * rowBytes : id * rowBytes);
  for (let state = 0; state < stateCount; state++) {
    const trieState = order[state]!;
    const row = state * width;
    if (state > 0) table.copyWithin(row, fail[state]! * width, fail[state]! * width + width);
    for (let child = firstChild[trieState]!; child !== -1; child = nextSibling[child]!) {
      const id = newId[child]!;
      const columns = columnsOf[labelOf[child]!]!;
      // The root's missing transitions stay 0 (the root); elsewhere the copied row holds the fail state's move.
      const failOfChild = state === 0 ? 0 : Math.abs(table[row + columns[0]!]!) / rowBytes;
      fail[id] = failOfChild;
      const own = ends[child]!;
      const inherited = outputsOf[failOfChild]!;
      if (own.length > 0 || inherited.length > 0) {
        // Report order at one end byte is needle id order.
        outputsOf[id] = own.length === 0 ? inherited : [...own, ...inherited].sort((a, b) => a - b);
      }
      const value = encode(id);
      for (const column of columns) table[row + column] = value;
    }
  }

  const outputStart = new Int32Array(stateCount + 1);
  let total = 0;
  for (let state = 0; state < stateCount; state++) {
    outputStart[state] = total;
    total += outputsOf[state]!.length;
  }
  outputStart[stateCount] = total;
  const outputs = new Int32Array(total);
  for (let state = 0, position = 0; state < stateCount; state++) {
    for (const id of outputsOf[state]!) outputs[position++] = id;
  }
  const automaton: Automaton = {
    needles,
    classOf: byteIndexed ? Uint8Array.from({ length: 256 }, (_, byte) => byte) : classOf,
    classCount: width,
    stateCount,
    transitions: table,
    outputStart,
    outputs,
    verify,
    needleLength,
    maxNeedleLength,
  };
  if (kernelMemory !== undefined) kernelMemories.set(table, kernelMemory);
  return automaton;
}

/** Kernel memories that already hold a table, by the table's view (clones and shared copies have none). */
const kernelMemories = new WeakMap<Int32Array, KernelMemory>();

/**
 * A transition table of `entries` values inside a new kernel memory of this thread (a scan arena's when one
 * is free), for an automaton read from elsewhere (a cache file) to be filled in place, so that its kernel
 * needs no copy of it; undefined for tables small enough to stay plain, or without WebAssembly.
 */
export function kernelTable(entries: number): Int32Array | undefined {
  if (entries < DIRECT_KERNEL_ENTRIES) return undefined;
  const kernelMemory = allocateKernelMemory(entries);
  if (kernelMemory === undefined) return undefined;
  kernelMemories.set(kernelMemory.table, kernelMemory);
  return kernelMemory.table;
}

/** Bytes of the transition tables, for memory accounting. */
export function automatonByteSize(automaton: Automaton): number {
  return (
    automaton.transitions.byteLength +
    automaton.outputStart.byteLength +
    automaton.outputs.byteLength +
    automaton.verify.byteLength +
    automaton.needleLength.byteLength +
    automaton.classOf.byteLength
  );
}

function toShared<T extends Int32Array | Uint8Array>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const shared = new SharedArrayBuffer(array.byteLength);
  const copy = (array instanceof Int32Array ? new Int32Array(shared) : new Uint8Array(shared)) as T;
  copy.set(array);
  return copy;
}

/**
 * The same automaton with its tables in SharedArrayBuffers: posting it to worker threads then shares the
 * transition table instead of copying it once per worker.
 */
export function shareAutomaton(automaton: Automaton): Automaton {
  return {
    ...automaton,
    classOf: toShared(automaton.classOf),
    transitions: toShared(automaton.transitions),
    outputStart: toShared(automaton.outputStart),
    outputs: toShared(automaton.outputs),
    verify: toShared(automaton.verify),
    needleLength: toShared(automaton.needleLength),
  };
}

/**
 * When the matcher takes the prefilter's path: "auto" judges each window by a sample, "always" and "never"
 * are for tests and benchmarks.
 */
export type PrefilterPolicy = "auto" | "always" | "never";
let prefilterPolicy: PrefilterPolicy = "auto";

/** Sets the policy for this thread's matchers (tests and benchmarks); returns the previous one. */
export function setPrefilterPolicy(policy: PrefilterPolicy): PrefilterPolicy {
  const previous = prefilterPolicy;
  prefilterPolicy = policy;
  return previous;
}

/** Bytes sampled at the start, middle and end of a window to choose its path. */
const SAMPLE_BYTES = 1024;
/**
 * The filtered walk is taken when fewer than 1 in this many sampled tests pass. Measured (300 terms):
 * firmware-like random data passes 0.1% and runs 1.7x faster filtered, ELF code 0.2% and 1.5x, while C
 * source (5%) and UTF-16 text (41%) run 2.3x and 6x slower than the eight-lane DFA. With 3,000 terms
 * random data passes 0.8% and runs 1.45x faster; ELF code with the carving signatures ("]\0\0" makes
 * every pair of zero bytes a candidate) passes 1.5%, where both paths run about as fast.
 */
const PASS_RATE_DIVISOR = 70;

/** Whether the filtered walk beats the eight-lane DFA on chunk[at, at + length), judged by samples. */
function prefilterWins(pairs: Uint8Array, chunk: Uint8Array, at: number, length: number): boolean {
  if (prefilterPolicy !== "auto") return prefilterPolicy === "always";
  const span = Math.min(length, SAMPLE_BYTES);
  const tests = 3 * Math.ceil((span - 3) / 2);
  let passed = 0;
  for (let sample = 0; sample < 3; sample++) {
    const start = sample === 0 ? at : sample === 1 ? at + ((length - span) >> 1) : at + length - span;
    const end = start + span - 3;
    for (let e = start; e < end; e += 2) {
      const here = pairs[chunk[e]! | (chunk[e + 1]! << 8)]!;
      const next = pairs[chunk[e + 2]! | (chunk[e + 3]! << 8)]!;
      if ((here & (next >> 2) & 0x33) === 0) continue;
      // Text passes often: stop as soon as the answer is known.
      if (++passed * PASS_RATE_DIVISOR >= tests) return false;
    }
  }
  return true;
}

/** Called with the needle id and the 0-based absolute offset of the match's first byte. */
export type MatchListener = (needleId: number, offset: number) => void;

/**
 * Windows at least this long are scanned as eight interleaved stripes by the WebAssembly kernel. An
 * automaton small enough to have no kernel memory of its own (rule samples, tests) gets one only for
 * chunks this long, so thousands of tiny automata do not each reserve a WebAssembly memory.
 */
const STRIPE_THRESHOLD = 1 << 15;
/**
 * Automata with a kernel memory of their own stripe much shorter windows, down to one warm-up per stripe:
 * the kernel scans 512-byte chunks 1.3x, 1 KiB 2x and 16 KiB 4x faster than one walk in JavaScript
 * (300 terms, warm-up included).
 */
const SMALL_STRIPE_THRESHOLD = 512;

/**
 * One kernel per automaton per thread. An automaton built in this thread already has its table in kernel
 * memory; one received from another thread (or shared) is copied into a new kernel memory once.
 */
const kernels = new WeakMap<Automaton, Kernel | null>();

function kernelFor(automaton: Automaton): Kernel | undefined {
  let kernel = kernels.get(automaton);
  if (kernel === undefined) {
    let kernelMemory = kernelMemories.get(automaton.transitions);
    if (kernelMemory === undefined) {
      kernelMemory = allocateKernelMemory(automaton.transitions.length);
      kernelMemory?.table.set(automaton.transitions);
    }
    kernel =
      kernelMemory === undefined
        ? null
        : (createKernel(kernelMemory, automaton.classCount === 256 ? undefined : automaton.classOf) ?? null);
    kernels.set(automaton, kernel);
    if (kernel !== null) {
      const prefilter = buildPrefilter(automaton);
      if (prefilter !== undefined) {
        kernel.pairs.set(prefilter.pairs);
        prefilters.set(kernel, prefilter);
      }
    }
  }
  return kernel ?? undefined;
}

/**
 * The prefilter of an automaton whose needles are all at least 2 bytes long: `pairs[a | b << 8]` holds
 * `PAIR_BITS` for the pair a, b, read from the needles (in both cases of every ASCII letter, as the DFA
 * folds them all). `limit` is the premultiplied number of states of depth ≤ 2: states are numbered
 * breadth-first, one per distinct (folded) first byte and first two bytes.
 */
interface Prefilter {
  readonly pairs: Uint8Array;
  readonly limit: number;
}

const prefilters = new WeakMap<Kernel, Prefilter>();

function buildPrefilter(automaton: Automaton): Prefilter | undefined {
  const { needles, classCount } = automaton;
  const pairs = new Uint8Array(1 << 16).fill(PAIR_BITS.always);
  // Runs once per kernel, mostly before the JIT has compiled it: plain loops, no allocation per needle.
  const mark = (first: number, second: number, bit: number) => {
    const a = foldTable[first]!;
    const b = foldTable[second]!;
    const otherA = otherCase[a]!;
    const otherB = otherCase[b]!;
    pairs[a | (b << 8)]! |= bit;
    pairs[otherA | (b << 8)]! |= bit;
    pairs[a | (otherB << 8)]! |= bit;
    pairs[otherA | (otherB << 8)]! |= bit;
  };
  const firstBytes = new Uint8Array(256);
  const firstPairs = new Uint8Array(1 << 16);
  let shallow = 1;
  for (const { bytes } of needles) {
    const length = bytes.length;
    // A needle of one byte: its depth-1 state has outputs and could not be skipped.
    if (length < 2) return undefined;
    const b0 = bytes[0]!;
    const b1 = bytes[1]!;
    const pair = foldTable[b0]! | (foldTable[b1]! << 8);
    if (firstBytes[foldTable[b0]!] === 0) shallow++;
    if (firstPairs[pair] === 0) shallow++;
    firstBytes[foldTable[b0]!] = 1;
    firstPairs[pair] = 1;
    mark(b0, b1, PAIR_BITS.first);
    if (length >= 3) mark(b1, bytes[2]!, PAIR_BITS.second);
    if (length >= 4) mark(bytes[2]!, bytes[3]!, PAIR_BITS.third);
    if (length >= 5) mark(bytes[3]!, bytes[4]!, PAIR_BITS.fourth);
    if (length <= 3) mark(b0, b1, PAIR_BITS.whole);
    if (length === 3 || length === 4) mark(b1, bytes[2]!, PAIR_BITS.tail);
    if (length === 2) for (let next = 0; next < 256; next++) mark(b1, next, PAIR_BITS.tail);
  }
  return { pairs, limit: shallow * classCount * 4 };
}

/**
 * Kernels whose scratch window a `StreamMatcher.pushRead` is reading into. A push from inside that read
 * (the reader scanning something else of the same automaton) saves and restores the window's bytes.
 */
const windowsInUse = new WeakSet<Kernel>();

/**
 * Where a partial window read into the scratch is copied before its stripes are laid out (reused, so the
 * last window of every file allocates nothing); `spareInUse` covers a listener that pushes re-entrantly.
 */
let spare: Uint8Array | undefined;
let spareInUse = false;

/**
 * Reads up to `into.length` bytes into `into` and returns how many (0 at the end). Synchronous on purpose
 * (`readSync`): an asynchronous read would land in the window later, while other scans of the same
 * automaton in this thread use it, so nothing could keep its bytes intact.
 */
export type ByteReader = (into: Uint8Array) => number;

/**
 * Streams chunks through the automaton, keeping the DFA state and the last bytes across chunk
 * boundaries, so a needle split between two chunks is found at its true offset.
 *
 * Matches are reported in order of their last byte (several needles ending at the same byte in needle id
 * order). Large chunks are cut into eight stripes scanned in one loop: eight independent DFA walks keep the
 * CPU's load units busy where one walk waits on each load. Stripes 2-8 start `maxNeedleLength - 1` bytes
 * early from the root state, which is enough to reach the exact state a single walk would have, and report
 * only matches that end inside their own stripe, so the result is identical to one walk.
 *
 * Where few positions could begin a needle (judged per window from samples of its start, middle and end),
 * the window is scanned in one stripe by the kernel's prefilter instead, which skips ahead and walks the DFA
 * only around candidates (`assembleFilter` says why that is exact); it reports matches straight away.
 *
 * Each window of a chunk is copied into the kernel's memory, unless the chunk lies in the kernel's scan
 * arena (`lendScanArena`: the hashing thread's blocks, which files are read into): such a chunk is scanned
 * where it lies, by the prefilter at any length, by the eight lanes a whole window (`WINDOW_BYTES`) at a
 * time. A caller that reads files itself can skip the copy with `pushRead`.
 */
const NO_BYTES = new Uint8Array(0);

export class StreamMatcher {
  private state = 0;
  private position = 0;
  /** The last maxNeedleLength - 1 bytes of previous chunks, for verifying matches that straddle a boundary. */
  private readonly carry: Uint8Array;
  private carryLength = 0;
  private readonly warmup: number;
  /** The shortest window worth striping; each stripe must be at least as long as its warm-up. */
  private readonly stripeThreshold: number;
  /** Pending matches of stripes 2-8 as (needle id * LANES + stripe, chunk-relative start) pairs. */
  private pending = new Int32Array(256);
  private pendingLength = 0;
  private chunk: Uint8Array = NO_BYTES;
  /** Where `pushRead` reads when the kernel's window is not available. */
  private readBuffer: Uint8Array | undefined;

  constructor(readonly automaton: Automaton) {
    this.warmup = Math.max(0, automaton.maxNeedleLength - 1);
    this.carry = new Uint8Array(this.warmup);
    this.stripeThreshold =
      automaton.transitions.length >= DIRECT_KERNEL_ENTRIES
        ? Math.max(SMALL_STRIPE_THRESHOLD, LANES * this.warmup)
        : Math.max(STRIPE_THRESHOLD, LANES * this.warmup);
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.position;
  }

  /** Back to the start of a new stream (a matcher can be kept for the next: see `takeMatcher`). */
  reset(): void {
    this.state = 0;
    this.position = 0;
    this.carryLength = 0;
    this.pendingLength = 0;
    this.chunk = NO_BYTES;
  }

  /**
   * Reads the next bytes straight into the kernel's scratch memory and pushes them: a read that fills the
   * whole window (`WINDOW_BYTES`, just over 1 MiB) is scanned in place, without the copy `push` makes of
   * every chunk. A shorter read is copied out first, so for files shorter than a window reading into a
   * buffer of your own and calling `push` is as fast. Returns what `read` returned (0: nothing pushed).
   * When there is no kernel (no WebAssembly, or an automaton too small to get one) or another read is
   * already using the window, `read` gets a buffer of this matcher's own.
   */
  pushRead(read: ByteReader, onMatch: MatchListener): number {
    const kernel =
      this.automaton.transitions.length >= DIRECT_KERNEL_ENTRIES ? kernelFor(this.automaton) : undefined;
    let into: Uint8Array;
    let count: number;
    if (kernel === undefined || windowsInUse.has(kernel)) {
      into = this.readBuffer ??= new Uint8Array(WINDOW_BYTES);
      count = read(into);
    } else {
      into = kernel.scratch;
      windowsInUse.add(kernel);
      try {
        count = read(into);
      } finally {
        windowsInUse.delete(kernel);
      }
    }
    if (count > 0) this.push(into.subarray(0, count), onMatch);
    return count;
  }

  push(chunk: Uint8Array, onMatch: MatchListener): void {
    const kernel = chunk.length >= this.stripeThreshold ? kernelFor(this.automaton) : undefined;
    let data = chunk;
    let saved: Uint8Array | undefined;
    let usesSpare = false;
    /** Where the chunk lies in the kernel's memory when it is scanned there (in its scan arena), else -1. */
    const address = kernel === undefined ? -1 : kernel.arenaAddress(chunk);
    if (kernel !== undefined) {
      const scratch = kernel.scratch;
      const inScratch = chunk.buffer === scratch.buffer;
      const wholeWindow = chunk.byteOffset === scratch.byteOffset && chunk.length === scratch.length;
      // Only a whole window is scanned in place; the stripes of anything else are laid out in the scratch.
      if (address >= 0) {
        // In the arena: whatever is laid out in the scratch, this push runs inside another matcher's read.
        if (windowsInUse.has(kernel)) saved = scratch.slice();
      } else if (!(inScratch && wholeWindow)) {
        if (inScratch && (spareInUse || chunk.length > WINDOW_BYTES)) data = chunk.slice();
        else if (inScratch) {
          spare ??= new Uint8Array(WINDOW_BYTES);
          spare.set(chunk);
          data = spare.subarray(0, chunk.length);
          spareInUse = usesSpare = true;
        }
        // This push runs inside another matcher's read into the window: keep its bytes.
        if (windowsInUse.has(kernel)) saved = scratch.slice();
      }
    }
    this.chunk = data;
    try {
      if (kernel === undefined) {
        this.state = this.scanRange(data, 0, data.length, this.state, onMatch);
      } else {
        const prefilter = prefilters.get(kernel);
        for (let at = 0; at < data.length;) {
          const length = Math.min(WINDOW_BYTES, data.length - at);
          this.state =
            length < this.stripeThreshold
              ? this.scanRange(data, at, at + length, this.state, onMatch)
              : prefilter !== undefined && prefilterWins(prefilter.pairs, data, at, length)
                ? this.scanFiltered(kernel, prefilter.limit, data, at, length, address, onMatch)
                : this.scanStriped(kernel, data, at, length, address, onMatch);
          at += length;
        }
      }
      this.position += data.length;
      this.keepTail(data);
    } finally {
      this.chunk = NO_BYTES;
      if (saved !== undefined) kernel?.scratch.set(saved);
      if (usesSpare) spareInUse = false;
    }
  }

  /** One DFA walk over chunk[from, to), reporting every match straight away. Returns the premultiplied state. */
  private scanRange(
    chunk: Uint8Array,
    from: number,
    to: number,
    start: number,
    onMatch: MatchListener,
  ): number {
    const { transitions, classOf } = this.automaton;
    let state = start;
    for (let index = from; index < to; index++) {
      state = transitions[(state >> 2) + classOf[chunk[index]!]!]!;
      if (state < 0) {
        state = -state;
        this.report(state, index, onMatch);
      }
    }
    return state;
  }

  /**
   * chunk[at, at + length) through the kernel's filtered walk; matches reported at once. `address`: where
   * chunk[0] lies in the kernel's memory when it is scanned there, else -1.
   */
  private scanFiltered(
    kernel: Kernel,
    limit: number,
    chunk: Uint8Array,
    at: number,
    length: number,
    address: number,
    onMatch: MatchListener,
  ): number {
    const { states, scratch } = kernel;
    // Where the window lies in the kernel's memory: in the arena, or copied into the scratch.
    let from = address + at;
    if (address < 0) {
      const inPlace = chunk.buffer === scratch.buffer && chunk.byteOffset + at === scratch.byteOffset;
      if (!inPlace) scratch.set(chunk.subarray(at, at + length));
      from = scratch.byteOffset;
    }
    let state = this.state;
    for (let k = 0; ; k++) {
      k = kernel.filter(from + k, from + length, state, limit) - from;
      if (k === length) return states[0]!;
      state = -states[0]!;
      this.report(state, at + k, onMatch);
    }
  }

  /**
   * Eight stripes of chunk[at, at + length) through the kernel; matches reported in order. `address`: where
   * chunk[0] lies in the kernel's memory when it may be scanned there, else -1.
   */
  private scanStriped(
    kernel: Kernel,
    chunk: Uint8Array,
    at: number,
    length: number,
    address: number,
    onMatch: MatchListener,
  ): number {
    const stride = Math.floor(length / LANES);
    const { states, scratch } = kernel;
    const warmup = this.warmup;
    /** Where lane 0's stripe starts in the kernel's memory: the scratch, or a whole window where it lies. */
    let base = scratch.byteOffset;
    // Lane i scans memory[base + i * LANE_STRIDE + k]: a whole window is already laid out that way.
    if (stride === LANE_STRIDE && address >= 0) base = address + at;
    else if (stride === LANE_STRIDE) {
      const inPlace = chunk.buffer === scratch.buffer && chunk.byteOffset + at === scratch.byteOffset;
      if (!inPlace) scratch.set(chunk.subarray(at, at + WINDOW_BYTES));
    } else {
      for (let lane = 0; lane < LANES; lane++) {
        const start = at + lane * stride;
        scratch.set(chunk.subarray(start, start + stride), lane * LANE_STRIDE);
      }
    }
    // Each later stripe warms up on the bytes before it, from the root, without reporting: the last
    // `warmup` bytes of every stripe, walked by the kernel in one pass, give the next stripe's state.
    states.fill(0);
    for (let k = stride - warmup; k < stride; k++) {
      k = kernel.walk(base, k, stride);
      for (let lane = 0; lane < LANES; lane++) states[lane] = Math.abs(states[lane]!);
    }
    states.copyWithin(1, 0, LANES - 1);
    states[0] = this.state;
    this.pendingLength = 0;
    // Stripe 0 reports at once; the others defer into pending, flushed in stripe order afterwards.
    let k = 0;
    while (k < stride) {
      k = kernel.walk(base, k, stride);
      if (k === stride) break;
      for (let lane = 0; lane < LANES; lane++) {
        const state = states[lane]!;
        if (state >= 0) continue;
        states[lane] = -state;
        if (lane === 0) this.report(-state, at + k, onMatch);
        else this.defer(-state, at + lane * stride + k, lane);
      }
      k++;
    }
    // The last few bytes (length is rarely a multiple of LANES) continue the last stripe.
    const last = LANES - 1;
    let state = states[last]!;
    const { transitions, classOf } = this.automaton;
    for (let index = at + LANES * stride; index < at + length; index++) {
      state = transitions[(state >> 2) + classOf[chunk[index]!]!]!;
      if (state < 0) {
        state = -state;
        this.defer(state, index, last);
      }
    }
    this.flushPending(onMatch);
    return state;
  }

  /** Reports the outputs of the (premultiplied) state reached at chunk[index]. */
  private report(state: number, index: number, onMatch: MatchListener): void {
    const { outputStart, outputs, verify, needleLength, needles, classCount } = this.automaton;
    const plain = state / (classCount * 4);
    const end = outputStart[plain + 1]!;
    for (let k = outputStart[plain]!; k < end; k++) {
      const id = outputs[k]!;
      const first = index + 1 - needleLength[id]!;
      if (verify[id] === 1 && !this.verifyAt(needles[id]!, first)) continue;
      onMatch(id, this.position + first);
    }
  }

  /** Like `report`, but keeps the matches of a later stripe for `flushPending`. */
  private defer(state: number, index: number, stripe: number): void {
    const { outputStart, outputs, verify, needleLength, needles, classCount } = this.automaton;
    const plain = state / (classCount * 4);
    const end = outputStart[plain + 1]!;
    for (let k = outputStart[plain]!; k < end; k++) {
      const id = outputs[k]!;
      const first = index + 1 - needleLength[id]!;
      if (verify[id] === 1 && !this.verifyAt(needles[id]!, first)) continue;
      if (this.pendingLength + 2 > this.pending.length) {
        const grown = new Int32Array(this.pending.length * 2);
        grown.set(this.pending);
        this.pending = grown;
      }
      this.pending[this.pendingLength++] = id * LANES + stripe;
      this.pending[this.pendingLength++] = first;
    }
  }

  private flushPending(onMatch: MatchListener): void {
    const pending = this.pending;
    const length = this.pendingLength;
    for (let stripe = 1; stripe < LANES; stripe++) {
      for (let k = 0; k < length; k += 2) {
        const tagged = pending[k]!;
        if (tagged % LANES !== stripe) continue;
        onMatch(Math.floor(tagged / LANES), this.position + pending[k + 1]!);
      }
    }
    this.pendingLength = 0;
  }

  /** Exact comparison outside the fold mask; `first` may be negative (bytes in the carry). */
  private verifyAt(needle: Needle, first: number): boolean {
    const { bytes, foldMask } = needle;
    const chunk = this.chunk;
    for (let k = 0; k < bytes.length; k++) {
      const at = first + k;
      const actual = at >= 0 ? chunk[at]! : this.carry[this.carryLength + at]!;
      const wanted = bytes[k]!;
      if (actual === wanted) continue;
      if (foldMask[k] === 1 && foldTable[actual] === foldTable[wanted]) continue;
      return false;
    }
    return true;
  }

  private keepTail(chunk: Uint8Array): void {
    const keep = this.carry.length;
    if (keep === 0) return;
    if (chunk.length >= keep) {
      this.carry.set(chunk.subarray(chunk.length - keep));
      this.carryLength = keep;
      return;
    }
    const fromOld = Math.min(this.carryLength, keep - chunk.length);
    this.carry.copyWithin(0, this.carryLength - fromOld, this.carryLength);
    this.carry.set(chunk, fromOld);
    this.carryLength = fromOld + chunk.length;
  }
}

/** Matchers given back, for the next stream: making one (its typed arrays) cost ~3.5 µs here. */
const spareMatchers: StreamMatcher[] = [];
const SPARE_MATCHERS = 16;

/**
 * A matcher at the start of a stream over `automaton`: one given back (`giveMatcher`), else a new one. A scan
 * of 230,000 members of Maven jars made as many, ~1.1 s of its 34.
 */
export function takeMatcher(automaton: Automaton): StreamMatcher {
  for (let index = spareMatchers.length - 1; index >= 0; index--) {
    const matcher = spareMatchers[index]!;
    if (matcher.automaton !== automaton) continue;
    spareMatchers.splice(index, 1);
    matcher.reset();
    return matcher;
  }
  return new StreamMatcher(automaton);
}

/** Gives a matcher back once its stream is done with: nothing may use it after. */
export function giveMatcher(matcher: StreamMatcher): void {
  if (spareMatchers.length < SPARE_MATCHERS) spareMatchers.push(matcher);
}
