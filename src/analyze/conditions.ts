import type { WhereSpec } from "../rules/types.js";
import { DEFAULT_NEAR_CHARS } from "../rules/types.js";
import type { FoundScopeKind, Scope } from "./scope-finder.js";
import {
  hasNonAscii,
  identifierAround,
  isWordCode,
  tokenSpans,
  tokenSpansIn,
  tokenize,
  type TokenSpan,
} from "./tokenizer.js";

/**
 * One entry of a word list. ASCII entries are token sequences (`SkinColor` = [skin, color], which also
 * matches the single token `skincolor`); entries with non-ASCII characters (CJK) are lower-cased substrings.
 */
export type WordMatcher =
  | {
      readonly kind: "tokens";
      readonly entry: string;
      readonly tokens: readonly string[];
      readonly joined: string;
      /** The first token and its plurals; the joined form and its plurals (lookup keys). */
      readonly firstForms: readonly string[];
      readonly joinedForms: readonly string[];
    }
  | { readonly kind: "substring"; readonly entry: string; readonly text: string };

export interface CompiledWhere {
  readonly identifierAny?: readonly WordMatcher[];
  readonly identifierNone?: readonly WordMatcher[];
  readonly scopeKind?: ReadonlySet<FoundScopeKind>;
  readonly scopeNameAny?: readonly WordMatcher[];
  readonly scopeNameNone?: readonly WordMatcher[];
  readonly scopeAny?: readonly WordMatcher[];
  readonly scopeMin: number;
  readonly scopeNone?: readonly WordMatcher[];
  readonly nearAny?: readonly WordMatcher[];
  readonly nearNone?: readonly WordMatcher[];
  readonly nearChars: number;
  /** Lower-cased phrases. */
  readonly lineAny?: readonly string[];
  readonly lineNone?: readonly string[];
  readonly notWithin?: readonly string[];
  readonly inComment?: boolean;
}

function wordMatcher(entry: string): WordMatcher {
  if (hasNonAscii(entry)) return { kind: "substring", entry, text: entry.toLowerCase() };
  const tokens = tokenize(entry);
  const joined = tokens.join("");
  const forms = (token: string) => [token, `${token}s`, `${token}es`];
  return {
    kind: "tokens",
    entry,
    tokens,
    joined,
    firstForms: forms(tokens[0] ?? ""),
    joinedForms: forms(joined),
  };
}

function words(list: readonly string[] | undefined): readonly WordMatcher[] | undefined {
  return list === undefined
    ? undefined
    : list.map(wordMatcher).filter((m) => m.kind === "substring" || m.tokens.length > 0);
}

function phrases(list: readonly string[] | undefined): readonly string[] | undefined {
  return list?.map((entry) => entry.toLowerCase());
}

export function compileWhere(spec: WhereSpec | undefined): CompiledWhere {
  const where = spec ?? {};
  const optional = <K extends keyof CompiledWhere>(key: K, value: CompiledWhere[K] | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Pick<CompiledWhere, K>);
  return {
    ...optional("identifierAny", words(where["identifier-any"])),
    ...optional("identifierNone", words(where["identifier-none"])),
    ...optional("scopeKind", where["scope-kind"] === undefined ? undefined : new Set(where["scope-kind"])),
    ...optional("scopeNameAny", words(where["scope-name-any"])),
    ...optional("scopeNameNone", words(where["scope-name-none"])),
    ...optional("scopeAny", words(where["scope-any"])),
    scopeMin: where["scope-min"] ?? 1,
    ...optional("scopeNone", words(where["scope-none"])),
    ...optional("nearAny", words(where["near-any"])),
    ...optional("nearNone", words(where["near-none"])),
    nearChars: where["near-chars"] ?? DEFAULT_NEAR_CHARS,
    ...optional("lineAny", phrases(where["line-any"])),
    ...optional("lineNone", phrases(where["line-none"])),
    ...optional("notWithin", where["not-within"]),
    ...optional("inComment", where["in-comment"]),
  };
}

/** Tokens of a stretch of text with positions, indexed by token, plus the lower-cased text for substrings. */
export interface WordBag {
  readonly spans: readonly TokenSpan[];
  readonly positions: ReadonlyMap<string, readonly number[]>;
  readonly lower: string;
  /** Offset of `lower` in the window text. */
  readonly offset: number;
  /** Shared by many hits (a scope): occurrences are computed once and cached. */
  readonly shared: boolean;
  /** The window's token stretch the spans come from, if they do. */
  readonly tokens?: TokenCache | undefined;
}

export function wordBag(
  text: string,
  from: number,
  to: number,
  shared = false,
  tokens?: TokenCache,
): WordBag {
  const cached = tokens?.spansIn(from, to);
  if (cached !== undefined) return new LazyBag(text, from, to, cached, shared, undefined, tokens);
  const lower = text.slice(from, to).toLowerCase();
  return new LazyBag(text, from, to, tokenSpansIn(text, from, to, lower), shared, lower);
}

/**
 * A word bag whose token index and lower-cased text are made on first use: a bag used once (near a hit,
 * an identifier) is searched span by span. (A class: getters in an object literal are slow to create.)
 */
class LazyBag implements WordBag {
  private index: Map<string, number[]> | undefined;

  constructor(
    private readonly text: string,
    readonly offset: number,
    private readonly to: number,
    readonly spans: readonly TokenSpan[],
    readonly shared: boolean,
    private lowerText?: string,
    readonly tokens?: TokenCache,
  ) {}

  get positions(): ReadonlyMap<string, readonly number[]> {
    this.index ??= indexSpans(this.spans);
    return this.index;
  }

  get lower(): string {
    this.lowerText ??= this.text.slice(this.offset, this.to).toLowerCase();
    return this.lowerText;
  }
}

/** A token of a TokenCache, with the id of its text there. */
interface IdSpan extends TokenSpan {
  readonly id: number;
}

/** See TokenCache.tableFor. */
type FormTable = (readonly number[] | null)[];

/** How far a stretch of tokens is widened to start and end outside a word; longer runs are not cached. */
const MAX_WORD_RUN = 256;

/**
 * The tokens of one stretch of a window, shared by the word bags of the hits in it (the stretches near
 * nearby hits overlap). The stretch starts and ends outside any word, so its tokens are those of the
 * whole text; a bag's tokens are those inside its range, the ones crossing its ends cut there, as
 * tokenSpans cuts them (token boundaries depend only on the characters around them).
 */
export class TokenCache {
  private from = 0;
  private to = 0;
  private spans: IdSpan[] = [];
  /** An id per distinct token of the stretch, so that lookups are made once per token and list. */
  private readonly ids = new Map<string, number>();
  private readonly tables = new Map<ListIndex, FormTable>();

  constructor(private readonly text: string) {}

  /**
   * The positions of a list's entries that a token may start (index.byForm), by token id: filled as the
   * window's bags ask, so each distinct token is looked up once per list (null: none).
   */
  tableFor(index: ListIndex): FormTable {
    let table = this.tables.get(index);
    if (table === undefined) {
      table = [];
      this.tables.set(index, table);
    }
    return table;
  }

  private tokenize(from: number, to: number): IdSpan[] {
    return tokenSpans(this.text, from, to).map((span) => {
      let id = this.ids.get(span.token);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(span.token, id);
      }
      return { token: span.token, start: span.start, end: span.end, id };
    });
  }

  /** tokenSpans(text, from, to), or undefined when the range lies in a very long word. */
  spansIn(from: number, to: number): TokenSpan[] | undefined {
    if (from >= to) return [];
    if (from < this.from || to > this.to) {
      if (!this.cover(from, to)) return undefined;
    }
    const spans = this.spans;
    // The first span ending after `from`, the first starting at or after `to`.
    let low = 0;
    let high = spans.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (spans[middle]!.end <= from) low = middle + 1;
      else high = middle;
    }
    const first = low;
    high = spans.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (spans[middle]!.start < to) low = middle + 1;
      else high = middle;
    }
    const out: TokenSpan[] = spans.slice(first, low);
    const last = out.length - 1;
    if (last >= 0 && (out[0]!.start < from || out[last]!.end > to)) {
      out[0] = this.cut(out[0]!, from, to);
      if (last > 0) out[last] = this.cut(out[last]!, from, to);
    }
    return out;
  }

  private cut(span: TokenSpan, from: number, to: number): TokenSpan {
    if (span.start >= from && span.end <= to) return span;
    const start = Math.max(span.start, from);
    const end = Math.min(span.end, to);
    return { token: this.text.slice(start, end).toLowerCase(), start, end };
  }

  /** Widens the cached stretch to hold [from, to); false when a word runs on too far to find its ends. */
  private cover(from: number, to: number): boolean {
    const text = this.text;
    let start = from;
    while (start > 0 && isWordCode(text.charCodeAt(start - 1))) {
      if (from - start >= MAX_WORD_RUN) return false;
      start--;
    }
    let end = to;
    while (end < text.length && isWordCode(text.charCodeAt(end))) {
      if (end - to >= MAX_WORD_RUN) return false;
      end++;
    }
    if (this.to <= this.from || end < this.from || start > this.to) {
      // Nothing cached, or apart from it: start afresh.
      this.spans = this.tokenize(start, end);
      this.from = start;
      this.to = end;
      return true;
    }
    // Overlapping or touching: tokenize only the new parts (the ends are outside words, so no token
    // crosses them).
    if (start < this.from) {
      this.spans = this.tokenize(start, this.from).concat(this.spans);
      this.from = start;
    }
    if (end > this.to) {
      this.spans = this.spans.concat(this.tokenize(this.to, end));
      this.to = end;
    }
    return true;
  }
}

function indexSpans(spans: readonly TokenSpan[]): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  for (let index = 0; index < spans.length; index++) {
    const token = spans[index]!.token;
    const list = positions.get(token);
    if (list) list.push(index);
    else positions.set(token, [index]);
  }
  return positions;
}

/** A token equals a list entry's token, allowing a plural (`fonts` for `font`, `races` for `race`). */
function tokenMatches(actual: string | undefined, wanted: string): boolean {
  return actual === wanted || actual === `${wanted}s` || actual === `${wanted}es`;
}

/** Calls `visit` with every position of any of `forms` in the bag until it returns true. */
function somePosition(bag: WordBag, forms: readonly string[], visit: (index: number) => boolean): boolean {
  if (!bag.shared) {
    // Small bags: a pass over the spans per form beats building the index (same positions, same order).
    const spans = bag.spans;
    for (const form of forms) {
      for (let index = 0; index < spans.length; index++)
        if (spans[index]!.token === form && visit(index)) return true;
    }
    return false;
  }
  for (const form of forms) {
    const list = bag.positions.get(form);
    if (list === undefined) continue;
    for (const index of list) if (visit(index)) return true;
  }
  return false;
}

function sequenceAt(bag: WordBag, index: number, tokens: readonly string[]): TokenSpan | undefined {
  for (let k = 1; k < tokens.length; k++)
    if (!tokenMatches(bag.spans[index + k]?.token, tokens[k]!)) return undefined;
  return bag.spans[index + tokens.length - 1];
}

/** Where each matcher occurs in a bag, computed once per bag (scope bags are shared by nearby hits). */
const occurrenceCache = new WeakMap<WordBag, Map<WordMatcher, Int32Array>>();

/** Character ranges [start, end) of every occurrence of `matcher` in `bag`, flattened. */
function occurrencesOf(bag: WordBag, matcher: WordMatcher): Int32Array {
  let perBag = occurrenceCache.get(bag);
  if (perBag === undefined) {
    perBag = new Map();
    occurrenceCache.set(bag, perBag);
  }
  let found = perBag.get(matcher);
  if (found !== undefined) return found;
  const ranges: number[] = [];
  if (matcher.kind === "substring") {
    for (let at = bag.lower.indexOf(matcher.text); at !== -1; at = bag.lower.indexOf(matcher.text, at + 1)) {
      ranges.push(bag.offset + at, bag.offset + at + matcher.text.length);
    }
  } else {
    somePosition(bag, matcher.firstForms, (index) => {
      const last = sequenceAt(bag, index, matcher.tokens);
      if (last) ranges.push(bag.spans[index]!.start, last.end);
      return false;
    });
    if (matcher.tokens.length > 1) {
      somePosition(bag, matcher.joinedForms, (index) => {
        ranges.push(bag.spans[index]!.start, bag.spans[index]!.end);
        return false;
      });
    }
  }
  found = ranges.length === 0 ? NO_RANGES : Int32Array.from(ranges);
  perBag.set(matcher, found);
  return found;
}

const NO_RANGES = new Int32Array(0);

/**
 * A word list indexed by the tokens its entries can start with: a token entry occurs in a bag only if one
 * of its first forms (or, for several tokens, joined forms) is a token of the bag. Substring entries are
 * always candidates.
 */
interface ListIndex {
  readonly byForm: ReadonlyMap<string, readonly number[]>;
  readonly substrings: readonly number[];
  /** The substring entries, in list order: the candidates in a bag with none of the forms. */
  readonly substringEntries: readonly WordMatcher[];
}
const listIndexes = new WeakMap<readonly WordMatcher[], ListIndex>();

function indexList(list: readonly WordMatcher[]): ListIndex {
  let index = listIndexes.get(list);
  if (index !== undefined) return index;
  const byForm = new Map<string, number[]>();
  const substrings: number[] = [];
  list.forEach((matcher, position) => {
    if (matcher.kind === "substring") {
      substrings.push(position);
      return;
    }
    const forms = new Set(
      matcher.tokens.length > 1 ? [...matcher.firstForms, ...matcher.joinedForms] : matcher.firstForms,
    );
    for (const form of forms) {
      const positions = byForm.get(form);
      if (positions === undefined) byForm.set(form, [position]);
      else positions.push(position);
    }
  });
  index = { byForm, substrings, substringEntries: substrings.map((position) => list[position]!) };
  listIndexes.set(list, index);
  return index;
}

/** Candidates of shared bags, computed once per bag and list. */
const candidateCache = new WeakMap<WordBag, Map<readonly WordMatcher[], readonly WordMatcher[]>>();

/**
 * The entries of `list` that may occur in `bag`, in list order: every entry that occurs is among them,
 * so testing only these gives the same answers as testing the whole list.
 */
function candidatesIn(bag: WordBag, list: readonly WordMatcher[]): readonly WordMatcher[] {
  let perBag = bag.shared ? candidateCache.get(bag) : undefined;
  const cached = perBag?.get(list);
  if (cached !== undefined) return cached;
  const index = indexList(list);
  if (!bag.shared) return unsharedCandidates(bag, list, index);
  const chosen = new Uint8Array(list.length);
  for (const position of index.substrings) chosen[position] = 1;
  // Look up whichever side is smaller: the bag's tokens in the list's forms, or the forms in the bag.
  if (bag.positions.size <= index.byForm.size) {
    for (const token of bag.positions.keys()) {
      const positions = index.byForm.get(token);
      if (positions !== undefined) for (const position of positions) chosen[position] = 1;
    }
  } else {
    for (const [form, positions] of index.byForm) {
      if (bag.positions.has(form)) for (const position of positions) chosen[position] = 1;
    }
  }
  const candidates = list.filter((_, position) => chosen[position] === 1);
  if (perBag === undefined) {
    perBag = new Map();
    candidateCache.set(bag, perBag);
  }
  perBag.set(list, candidates);
  return candidates;
}

/**
 * candidatesIn for a small bag used once: every token (repeated ones again, to the same effect) looked up
 * in the list's forms, without indexing the bag; most such bags hold none of them.
 */
function unsharedCandidates(
  bag: WordBag,
  list: readonly WordMatcher[],
  index: ListIndex,
): readonly WordMatcher[] {
  let chosen: Uint8Array | undefined;
  const table = bag.tokens?.tableFor(index);
  for (const span of bag.spans) {
    let positions: readonly number[] | null | undefined;
    const id = (span as Partial<IdSpan>).id;
    if (table === undefined || id === undefined) positions = index.byForm.get(span.token);
    else {
      positions = table[id];
      if (positions === undefined) table[id] = positions = index.byForm.get(span.token) ?? null;
    }
    if (positions == null) continue;
    chosen ??= new Uint8Array(list.length);
    for (const position of positions) chosen[position] = 1;
  }
  if (chosen === undefined) return index.substringEntries;
  for (const position of index.substrings) chosen[position] = 1;
  const marks = chosen;
  return list.filter((_, position) => marks[position] === 1);
}

/** True when some entry of `list` occurs in `bag` outside [skipStart, skipEnd) (see bagHas). */
export function listHas(bag: WordBag, list: readonly WordMatcher[], skipStart = -1, skipEnd = -1): boolean {
  return candidatesIn(bag, list).some((m) => bagHas(bag, m, skipStart, skipEnd));
}

/** Direct search with early exit, for small bags used once (identifier, neighbourhood). */
function scanHas(bag: WordBag, matcher: WordMatcher, skipStart: number, skipEnd: number): boolean {
  const outside = (start: number, end: number) => end <= skipStart || start >= skipEnd;
  if (matcher.kind === "substring") {
    for (let at = bag.lower.indexOf(matcher.text); at !== -1; at = bag.lower.indexOf(matcher.text, at + 1)) {
      if (outside(bag.offset + at, bag.offset + at + matcher.text.length)) return true;
    }
    return false;
  }
  const found = somePosition(bag, matcher.firstForms, (index) => {
    const last = sequenceAt(bag, index, matcher.tokens);
    return last !== undefined && outside(bag.spans[index]!.start, last.end);
  });
  if (found || matcher.tokens.length === 1) return found;
  return somePosition(bag, matcher.joinedForms, (index) =>
    outside(bag.spans[index]!.start, bag.spans[index]!.end),
  );
}

/** True when `matcher` occurs in `bag` outside the excluded character range [skipStart, skipEnd). */
export function bagHas(bag: WordBag, matcher: WordMatcher, skipStart = -1, skipEnd = -1): boolean {
  if (!bag.shared) return scanHas(bag, matcher, skipStart, skipEnd);
  const ranges = occurrencesOf(bag, matcher);
  for (let k = 0; k < ranges.length; k += 2) {
    if (ranges[k + 1]! <= skipStart || ranges[k]! >= skipEnd) return true;
  }
  return false;
}

/** The scope of a hit and its words; `start`/`end` is the hit's character range in the scope's window. */
export interface ScopeView {
  readonly scope: Scope;
  readonly bag: () => WordBag;
  readonly names: () => WordBag;
  readonly start: number;
  readonly end: number;
}

/** Everything the conditions look at for one hit; expensive parts (the scope above all) are computed on first use. */
export class HitContext {
  private identifierBagCache: WordBag | undefined;
  private identifierRangeCache: { start: number; end: number } | undefined;
  private nearBags: Map<number, WordBag> | undefined;
  private lineCache: string | undefined;
  private view: ScopeView | undefined;

  constructor(
    readonly text: string,
    /** Character range of the hit in `text`. */
    readonly start: number,
    readonly end: number,
    private readonly findView: () => ScopeView,
    /** The tokens of the window, shared with the other hits in it. */
    private readonly tokens?: TokenCache,
  ) {}

  get scoped(): ScopeView {
    this.view ??= this.findView();
    return this.view;
  }

  get scope(): Scope {
    return this.scoped.scope;
  }

  identifier(): WordBag {
    if (this.identifierBagCache === undefined) {
      const range = this.identifierRange();
      this.identifierBagCache = wordBag(this.text, range.start, range.end, false, this.tokens);
    }
    return this.identifierBagCache;
  }

  private identifierRange(): { start: number; end: number } {
    this.identifierRangeCache ??= identifierAround(this.text, this.start, this.end);
    return this.identifierRangeCache;
  }

  /**
   * The identifier's text as a detection reports it: as many characters from its start as its lower-cased
   * form has (U+0130 lower-cases to two), without tokenizing it.
   */
  identifierText(): string {
    const { start, end } = this.identifierRange();
    let length = end - start;
    for (let at = start; at < end; at++) if (this.text.charCodeAt(at) === 0x130) length++;
    return this.text.slice(start, start + length);
  }

  near(chars: number): WordBag {
    this.nearBags ??= new Map();
    let bag = this.nearBags.get(chars);
    if (bag === undefined) {
      bag = wordBag(
        this.text,
        Math.max(0, this.start - chars),
        Math.min(this.text.length, this.end + chars),
        false,
        this.tokens,
      );
      this.nearBags.set(chars, bag);
    }
    return bag;
  }

  line(): string {
    if (this.lineCache === undefined) {
      const from = this.text.lastIndexOf("\n", this.start - 1) + 1;
      const newline = this.text.indexOf("\n", this.end);
      const to = newline === -1 ? this.text.length : newline;
      this.lineCache = this.text
        .slice(Math.max(from, this.start - 2000), Math.min(to, this.end + 2000))
        .toLowerCase();
    }
    return this.lineCache;
  }
}

function withinAny(text: string, start: number, end: number, strings: readonly string[]): boolean {
  let longest = 0;
  for (const entry of strings) longest = Math.max(longest, entry.length);
  if (longest < end - start) return false;
  // One lower-cased neighbourhood; an occurrence covering the hit starts in [end - length, start].
  const from = Math.max(0, end - longest);
  const local = text.slice(from, Math.min(text.length, start + longest)).toLowerCase();
  for (const entry of strings) {
    const length = entry.length;
    if (length < end - start) continue;
    const lowered = entry.toLowerCase();
    for (let at = local.indexOf(lowered); at !== -1; at = local.indexOf(lowered, at + 1)) {
      const absolute = from + at;
      if (absolute > start) break;
      if (absolute + length >= end) return true;
    }
  }
  return false;
}

export interface ConditionResult {
  readonly ok: boolean;
  /** The scope-any entries found (the siblings that confirmed the hit). */
  readonly siblings: readonly string[];
  /** The first condition that failed, with what was seen (for the rule tester's explanations). */
  readonly failed?: string;
}

const NO_SIBLINGS: readonly string[] = [];

/** A failed result; its explanation is only written when asked for (the rule tester asks, a scan does not). */
class Failed implements ConditionResult {
  readonly ok = false;
  readonly siblings = NO_SIBLINGS;

  constructor(private readonly explain: () => string) {}

  get failed(): string {
    return this.explain();
  }
}

function fail(explain: () => string): ConditionResult {
  return new Failed(explain);
}

function entriesFound(bag: WordBag, list: readonly WordMatcher[], skipStart = -1, skipEnd = -1): string {
  return candidatesIn(bag, list)
    .filter((m) => bagHas(bag, m, skipStart, skipEnd))
    .map((m) => m.entry)
    .join(", ");
}

/** Evaluates a compiled `where` clause; every given condition must hold. */
export function evaluateWhere(where: CompiledWhere, context: HitContext): ConditionResult {
  if (where.notWithin !== undefined && withinAny(context.text, context.start, context.end, where.notWithin))
    return fail(() => "not-within: the hit lies inside an excluded string");
  if (where.lineNone !== undefined || where.lineAny !== undefined) {
    const line = context.line();
    const excluded = where.lineNone?.find((phrase) => line.includes(phrase));
    if (excluded !== undefined) return fail(() => `line-none: the line contains "${excluded}"`);
    if (where.lineAny !== undefined && !where.lineAny.some((phrase) => line.includes(phrase)))
      return fail(() => "line-any: the line contains none of the phrases");
  }
  if (where.identifierAny !== undefined || where.identifierNone !== undefined) {
    const bag = context.identifier();
    const none = where.identifierNone;
    if (none !== undefined && listHas(bag, none))
      return fail(() => `identifier-none: the identifier has ${entriesFound(bag, none)}`);
    if (where.identifierAny !== undefined && !listHas(bag, where.identifierAny))
      return fail(() => `identifier-any: the identifier "${bag.lower}" has none of them`);
  }
  if (where.nearAny !== undefined || where.nearNone !== undefined) {
    const bag = context.near(where.nearChars);
    const none = where.nearNone;
    if (none !== undefined && listHas(bag, none, context.start, context.end))
      return fail(
        () =>
          `near-none: ${entriesFound(bag, none, context.start, context.end)} within ${where.nearChars} characters`,
      );
    if (where.nearAny !== undefined && !listHas(bag, where.nearAny, context.start, context.end))
      return fail(() => `near-any: none within ${where.nearChars} characters`);
  }
  // Conditions on the scope come last: finding the scope is the expensive part.
  const { scope } = context;
  if (where.inComment !== undefined && where.inComment !== scope.inComment)
    return fail(() => `in-comment: the hit is ${scope.inComment ? "" : "not "}in a comment`);
  if (where.scopeKind !== undefined && !where.scopeKind.has(scope.kind))
    return fail(
      () => `scope-kind: the scope is ${scope.kind}${scope.name === undefined ? "" : ` ${scope.name}`}`,
    );
  if (where.scopeNameAny !== undefined || where.scopeNameNone !== undefined) {
    const bag = context.scoped.names();
    const name = scope.name === undefined ? "the scope has no name" : `the scope name is ${scope.name}`;
    if (where.scopeNameNone !== undefined && listHas(bag, where.scopeNameNone))
      return fail(() => `scope-name-none: ${name}`);
    if (where.scopeNameAny !== undefined && !listHas(bag, where.scopeNameAny))
      return fail(() => `scope-name-any: ${name}`);
  }
  let siblings: string[] = [];
  if (where.scopeAny !== undefined || where.scopeNone !== undefined) {
    const view = context.scoped;
    const bag = view.bag();
    const names = view.names();
    // The scope's own name counts as part of the scope (struct Avatar, NET_FACE_ATTRIBUTE).
    const inScope = (m: WordMatcher) => bagHas(bag, m, view.start, view.end) || bagHas(names, m);
    // Only entries that may occur in the scope or its name are tested (in list order, as the list).
    const candidates = (list: readonly WordMatcher[]) => {
      const inBag = candidatesIn(bag, list);
      const inNames = candidatesIn(names, list);
      // Substring entries are candidates in every bag: names with no other candidate add nothing.
      if (inNames.length === 0 || inNames === indexList(list).substringEntries) return inBag;
      const either = new Set([...inBag, ...inNames]);
      return list.filter((m) => either.has(m));
    };
    const excluded = where.scopeNone === undefined ? undefined : candidates(where.scopeNone).find(inScope);
    if (excluded !== undefined)
      return fail(() => `scope-none: the ${scope.kind} scope has "${excluded.entry}"`);
    if (where.scopeAny !== undefined) {
      const found = new Set<string>();
      for (const matcher of candidates(where.scopeAny)) {
        if (inScope(matcher)) found.add(matcher.entry);
      }
      if (found.size < where.scopeMin)
        return fail(
          () =>
            `scope-any: ${found.size} of ${where.scopeMin} needed in the ${scope.kind} scope${found.size > 0 ? ` (${[...found].join(", ")})` : ""}`,
        );
      siblings = [...found];
    }
  }
  return { ok: true, siblings };
}
