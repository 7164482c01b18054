import type { Encoding } from "../model/encoding.js";
import { buildAutomaton, StreamMatcher, type Automaton } from "../match/automaton.js";
import type { Needle } from "../match/needles.js";
import type { CompiledRulePack, CompiledTerm } from "../rules/compile.js";
import type { WordMatcher } from "./conditions.js";

/**
 * Gates on raw bytes: conditions of a hit's patterns that the bytes around it can rule out before anything
 * is decoded, tokenized or searched for a scope. A gate only says "cannot pass" where the full analysis
 * would reject the hit too, so the detections are the same either way (see BufferAnalyzer.analyze).
 *
 * - `identifier-any`: the identifier holding an ASCII hit lies within the run of identifier bytes around
 *   it, in an ASCII-compatible encoding (see BufferAnalyzer.identifierBytes).
 * - `scope-name-any`: the scope's name, and each alias, is text of the window the scope was found in
 *   (comments blanked, quotes and a leading `$` taken off). A token of it is a run of ASCII letters and
 *   digits there, and an ASCII character of a decoded window is one byte of its own in UTF-8, GB18030 and
 *   Big5 (no multi-byte character decodes to ASCII), or a code unit of two bytes, one of them zero, in
 *   UTF-16. So a name token that starts with an entry's first token means that token's bytes, in some
 *   letter case, lie inside the window: where none lie within reach of every window the hit may use, no
 *   name can have one.
 */

/** What one pattern asks that raw bytes can rule out; a pattern without either always may pass. */
export interface PatternGate {
  /** Lower-cased texts, one of which the identifier's bytes must hold (`identifier-any`, ASCII terms). */
  readonly identifier?: readonly string[];
  /** Lower-cased ASCII texts, one of which a window's bytes must hold for the scope's name (`scope-name-any`). */
  readonly scopeName?: readonly string[];
}

/** Per pattern using the term; undefined when some pattern asks nothing the bytes can rule out. */
export type TermGate = readonly PatternGate[];

const gates = new WeakMap<CompiledRulePack, Map<number, TermGate | null>>();
/** Per pattern, its texts: one array per list, which the terms of the pattern share (see RawOccurrences). */
const patternTexts = new WeakMap<CompiledRulePack, Map<number, PatternGate>>();

function textsOf(pack: CompiledRulePack, index: number): PatternGate {
  let perPattern = patternTexts.get(pack);
  if (perPattern === undefined) {
    perPattern = new Map();
    patternTexts.set(pack, perPattern);
  }
  let texts = perPattern.get(index);
  if (texts === undefined) {
    const where = pack.patterns[index]!.where;
    const identifier = where.identifierAny?.map((m) => (m.kind === "substring" ? m.text : m.tokens[0]!));
    const scopeName = firstTokens(where.scopeNameAny);
    texts = {
      ...(identifier === undefined ? {} : { identifier }),
      ...(scopeName === undefined ? {} : { scopeName }),
    };
    perPattern.set(index, texts);
  }
  return texts;
}

/** The first token of each entry (each of its forms begins with it); undefined when an entry is not ASCII. */
function firstTokens(list: readonly WordMatcher[] | undefined): string[] | undefined {
  if (list === undefined || list.length === 0) return undefined;
  const texts: string[] = [];
  for (const matcher of list) {
    if (matcher.kind !== "tokens") return undefined;
    texts.push(matcher.tokens[0]!);
  }
  return texts;
}

export function termGate(pack: CompiledRulePack, term: CompiledTerm): TermGate | undefined {
  let perTerm = gates.get(pack);
  if (perTerm === undefined) {
    perTerm = new Map();
    gates.set(pack, perTerm);
  }
  let gate = perTerm.get(term.id);
  if (gate === undefined) {
    const ascii = /^[\x00-\x7f]*$/u.test(term.text);
    // The identifier's bytes rule out tokens only around an ASCII hit.
    const patterns = term.refs.map((ref): PatternGate => {
      const texts = textsOf(pack, ref.pattern);
      if (ascii) return texts;
      return texts.scopeName === undefined ? {} : { scopeName: texts.scopeName };
    });
    const every =
      patterns.length > 0 && patterns.every((p) => p.identifier !== undefined || p.scopeName !== undefined);
    gate = every ? patterns : null;
    perTerm.set(term.id, gate);
  }
  return gate ?? undefined;
}

/** How a text's ASCII characters are laid out in bytes. */
export type ByteLayout = "ascii" | "utf-16le" | "utf-16be";

export function layoutOf(encoding: Encoding): ByteLayout {
  return encoding === "utf-16le" || encoding === "utf-16be" ? encoding : "ascii";
}

const LAYOUTS: readonly ByteLayout[] = ["ascii", "utf-16le", "utf-16be"];

/** The bytes of an ASCII text in a layout. */
function spelled(text: string, layout: ByteLayout): Uint8Array {
  const codes = Array.from({ length: text.length }, (_, at) => text.charCodeAt(at));
  if (layout === "ascii") return Uint8Array.from(codes);
  return Uint8Array.from(codes.flatMap((code) => (layout === "utf-16le" ? [code, 0] : [0, code])));
}

/** A matcher for a list's texts in every layout, in any ASCII letter case, and each needle's layout. */
interface TextSearch {
  readonly automaton: Automaton;
  readonly layouts: readonly ByteLayout[];
}

/** By list (the lists are few: a pack's `scope-name-any` lists). */
const searches = new Map<string, TextSearch>();

function searchFor(texts: readonly string[]): TextSearch {
  const unique = [...new Set(texts)].sort();
  const key = unique.join("\n");
  let search = searches.get(key);
  if (search === undefined) {
    const needles: Needle[] = [];
    const layouts: ByteLayout[] = [];
    for (const layout of LAYOUTS)
      for (const text of unique) {
        const bytes = spelled(text, layout);
        const foldMask = bytes.map((byte) => (byte >= 0x61 && byte <= 0x7a ? 1 : 0));
        needles.push({ id: needles.length, termId: 0, encodings: ["utf-8"], bytes, foldMask });
        layouts.push(layout);
      }
    search = { automaton: buildAutomaton(needles), layouts };
    searches.set(key, search);
  }
  return search;
}

/**
 * Every offset in `bytes` at which one of `texts` (lower-cased ASCII) starts in any letter case (overlapping
 * ones too), per layout: pairs [start, end) relative to bytes[0] in order of start, with the end of the
 * shortest text there.
 */
function findTexts(bytes: Uint8Array, texts: readonly string[]): Map<ByteLayout, number[]> {
  const { automaton, layouts } = searchFor(texts);
  const ends = new Map<ByteLayout, Map<number, number>>(LAYOUTS.map((layout) => [layout, new Map()]));
  new StreamMatcher(automaton).push(bytes, (needleId, offset) => {
    const end = offset + automaton.needles[needleId]!.bytes.length;
    const perStart = ends.get(layouts[needleId]!)!;
    const known = perStart.get(offset);
    if (known === undefined || end < known) perStart.set(offset, end);
  });
  return new Map(
    [...ends].map(([layout, perStart]) => [layout, [...perStart].sort((a, b) => a[0] - b[0]).flat()]),
  );
}

/**
 * Where texts occur in a stretch of bytes: for each list and layout, every offset at which one of its texts
 * starts (overlapping ones too), with the end of the shortest one there. Found on first use per list, in
 * one pass of the matcher for every layout.
 */
export class RawOccurrences {
  private readonly found = new Map<readonly string[], Map<ByteLayout, Float64Array>>();

  constructor(
    private readonly bytes: Uint8Array,
    /** Absolute offset of bytes[0]. */
    private readonly base: number,
  ) {}

  /** Absolute offsets, as pairs [start, end), in order of start. */
  private occurrences(texts: readonly string[], layout: ByteLayout): Float64Array {
    let perLayout = this.found.get(texts);
    if (perLayout === undefined) {
      const base = this.base;
      perLayout = new Map(
        [...findTexts(this.bytes, texts)].map(([key, pairs]) => [
          key,
          Float64Array.from(pairs, (offset) => base + offset),
        ]),
      );
      this.found.set(texts, perLayout);
    }
    return perLayout.get(layout)!;
  }

  /** Whether one of `texts` lies wholly inside [from, to) (absolute offsets, inside this stretch). */
  has(texts: readonly string[], layout: ByteLayout, from: number, to: number): boolean {
    const pairs = this.occurrences(texts, layout);
    // The first occurrence starting at or after `from`.
    let low = 0;
    let high = pairs.length >> 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (pairs[2 * middle]! < from) low = middle + 1;
      else high = middle;
    }
    for (let at = low; at < pairs.length >> 1 && pairs[2 * at]! < to; at++)
      if (pairs[2 * at + 1]! <= to) return true;
    return false;
  }
}
