import type { Needle } from "./needles.js";

/**
 * A byte DFA (Aho-Corasick with failure links resolved into full transitions) over typed arrays.
 * The alphabet is compressed: bytes that occur in no needle share class 0. ASCII letters are folded to
 * lower case before the transition, so one path serves both cases; exact-case needles are verified
 * against the original bytes when they match.
 */
export interface Automaton {
  readonly needles: readonly Needle[];
  /** byte → alphabet class. */
  readonly classOf: Uint8Array;
  readonly classCount: number;
  readonly stateCount: number;
  /** transitions[state * classCount + class] → next state. */
  readonly transitions: Int32Array;
  /** Needle ids that end in a state: outputs[outputStart[s] .. outputStart[s + 1]). */
  readonly outputStart: Int32Array;
  readonly outputs: Int32Array;
  readonly maxNeedleLength: number;
}

const foldTable = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) foldTable[byte] = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;

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

  // Trie with growable arrays.
  let capacity = 1024;
  let goto = new Int32Array(capacity * classCount).fill(-1);
  let stateCount = 1;
  const ends: number[][] = [[]];
  let maxNeedleLength = 0;
  for (const needle of needles) {
    maxNeedleLength = Math.max(maxNeedleLength, needle.bytes.length);
    let state = 0;
    for (const byte of needle.bytes) {
      const cls = classOf[byte]!;
      let next = goto[state * classCount + cls]!;
      if (next < 0) {
        if (stateCount === capacity) {
          capacity *= 2;
          const grown = new Int32Array(capacity * classCount).fill(-1);
          grown.set(goto);
          goto = grown;
        }
        next = stateCount++;
        ends.push([]);
        goto[state * classCount + cls] = next;
      }
      state = next;
    }
    ends[state]!.push(needle.id);
  }

  // Breadth-first: failure links folded into full transitions.
  const transitions = new Int32Array(stateCount * classCount);
  const fail = new Int32Array(stateCount);
  const outputsOf: number[][] = ends.map((list) => [...list]);
  const queue = new Int32Array(stateCount);
  let head = 0;
  let tail = 0;
  for (let cls = 0; cls < classCount; cls++) {
    const next = goto[cls]!;
    if (next > 0) {
      transitions[cls] = next;
      fail[next] = 0;
      queue[tail++] = next;
    } else transitions[cls] = 0;
  }
  while (head < tail) {
    const state = queue[head++]!;
    const failState = fail[state]!;
    for (const id of outputsOf[failState]!) outputsOf[state]!.push(id);
    for (let cls = 0; cls < classCount; cls++) {
      const next = goto[state * classCount + cls]!;
      if (next > 0) {
        fail[next] = transitions[failState * classCount + cls]!;
        transitions[state * classCount + cls] = next;
        queue[tail++] = next;
      } else {
        transitions[state * classCount + cls] = transitions[failState * classCount + cls]!;
      }
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
  return { needles, classOf, classCount, stateCount, transitions, outputStart, outputs, maxNeedleLength };
}

/** Called with the needle id and the 0-based absolute offset of the match's first byte. */
export type MatchListener = (needleId: number, offset: number) => void;

/**
 * Streams chunks through the automaton, keeping the DFA state and the last bytes across chunk
 * boundaries, so a needle split between two chunks is found at its true offset.
 */
export class StreamMatcher {
  private state = 0;
  private position = 0;
  /** The last maxNeedleLength - 1 bytes of previous chunks, for verifying matches that straddle a boundary. */
  private readonly carry: Uint8Array;
  private carryLength = 0;

  constructor(private readonly automaton: Automaton) {
    this.carry = new Uint8Array(Math.max(0, automaton.maxNeedleLength - 1));
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.position;
  }

  reset(): void {
    this.state = 0;
    this.position = 0;
    this.carryLength = 0;
  }

  push(chunk: Uint8Array, onMatch: MatchListener): void {
    const { transitions, classOf, classCount, outputStart, outputs, needles } = this.automaton;
    let state = this.state;
    const base = this.position;
    for (let index = 0; index < chunk.length; index++) {
      state = transitions[state * classCount + classOf[chunk[index]!]!]!;
      const start = outputStart[state]!;
      const end = outputStart[state + 1]!;
      if (start === end) continue;
      for (let k = start; k < end; k++) {
        const needle = needles[outputs[k]!]!;
        const first = index + 1 - needle.bytes.length;
        if (this.verify(needle.bytes, needle.foldMask, chunk, first)) onMatch(needle.id, base + first);
      }
    }
    this.state = state;
    this.position = base + chunk.length;
    this.keepTail(chunk);
  }

  /** Exact comparison outside the fold mask; `first` may be negative (bytes in the carry). */
  private verify(bytes: Uint8Array, mask: Uint8Array, chunk: Uint8Array, first: number): boolean {
    for (let k = 0; k < bytes.length; k++) {
      const at = first + k;
      const actual = at >= 0 ? chunk[at]! : this.carry[this.carryLength + at]!;
      const wanted = bytes[k]!;
      if (actual === wanted) continue;
      if (mask[k] === 1 && foldTable[actual] === foldTable[wanted]) continue;
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
