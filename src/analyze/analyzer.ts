import type { ByteSource } from "../model/bytes.js";
import type { Encoding } from "../model/encoding.js";
import type { ScopeKind } from "../model/finding.js";
import type { Hit } from "../model/hit.js";
import type { Needle } from "../match/needles.js";
import type { CompiledRulePack, CompiledTerm } from "../rules/compile.js";
import { acquireBuffer, releaseBuffer } from "../sources/byte-source.js";
import {
  evaluateWhere,
  HitContext,
  TokenCache,
  wordBag,
  type ScopeView,
  type WordBag,
} from "./conditions.js";
import { makeExcerpt } from "./excerpt.js";
import { layoutOf, RawOccurrences, termGate, type TermGate } from "./raw-gate.js";
import { prepareWidening } from "./identifier-span.js";
import {
  closesBeyondWindow,
  findScope,
  prepareScopeContext,
  type Scope,
  type ScopeContext,
} from "./scope-finder.js";
import {
  coversWholeTokens,
  IDENTIFIER_REACH,
  isBoundaryBetween,
  isIdentifierCode,
  isWordCode,
} from "./tokenizer.js";
import {
  CharsetWalks,
  charIndexAt,
  decodeWindow,
  runPlausibility,
  sniffAsciiCompatible,
  windowExtent,
  type DecodedWindow,
} from "./window.js";

/** A confirmed (rule, hit) pair, before the engine adds location, line and column, and fingerprint. */
export interface Detection {
  readonly ruleId: string;
  readonly messageId: string;
  /** 0-based byte offset and byte length in the artifact. */
  readonly offset: number;
  readonly length: number;
  /** The encoding the neighbourhood was confirmed in (ASCII hits refined to utf-8, gb18030 or big5). */
  readonly encoding: Encoding;
  readonly match: string;
  readonly matchHex: string;
  readonly excerpt: string;
  readonly excerptMatch: readonly [number, number];
  readonly scope?: { readonly kind: ScopeKind; readonly name?: string };
  /**
   * `siblings` (comma-separated scope-any entries that confirmed it), `memberName`, `scopeIndex` (0-based
   * position of the member in its enum/struct/list), `scopeMembers` (member count), `identifier`, `pattern`
   * (index of the pattern in the rule), `inComment` ("true" when the hit lies in a comment).
   */
  readonly data: Readonly<Record<string, string>>;
}

/** Why a hit did not become a detection of a rule (for the rule tester's explanations). */
export interface Rejection {
  readonly ruleId: string;
  readonly offset: number;
  readonly term: string;
  readonly reason: string;
}
export type RejectListener = (rejection: Rejection) => void;

/** Bytes decoded on each side of a hit. */
const WINDOW_RADIUS = 4096;
/**
 * Bytes decoded on each side, at least, when the small window holds no structure but was cut short (a big
 * struct). Wide windows are laid on a grid of WIDE_CELL bytes, so that which one a hit gets does not depend
 * on the hits before it (see wideBounds): the window of a cell reaches WIDE_RADIUS before the cell and
 * WIDE_RADIUS + WIDE_TAIL after it.
 */
const WIDE_RADIUS = 32 * 1024;
const WIDE_CELL = 16 * 1024;
/** Room after a cell for the length of a hit that starts in it. */
const WIDE_TAIL = 4096;
/**
 * Bytes read around a cluster of hits: enough for the small windows (and the encoding checks and the
 * identifier widening, which reach less far); a hit that needs a wide window has the cluster read again
 * with WIDE_MARGIN.
 */
const READ_MARGIN = WINDOW_RADIUS + 64;
const WIDE_MARGIN = WIDE_CELL + WIDE_RADIUS + WIDE_TAIL + 64;
/**
 * A cluster of this many hits is read with WIDE_MARGIN at once: the raw gates of its hits then see their
 * wide windows' bytes (a gate lets every hit through whose bytes are not all in memory), for a read of
 * ~100 KiB more.
 */
const WIDE_READ_HITS = 8;
/** How much better (in run weight) a big-endian reading must be than the little-endian one to win. */
const BYTE_ORDER_MARGIN = 3;
/** Hits closer than this share one read. */
const CLUSTER_GAP = 64 * 1024;
const CLUSTER_SPAN = 1024 * 1024;
/** Longest `data.memberName` kept (a member of a JS bundle's object can be a whole function body). */
export const MEMBER_NAME_MAX = 120;

/** Caps a member name at MEMBER_NAME_MAX characters (whole code points), marking a cut with "…". */
export function capMemberName(name: string): string {
  // No more code units than the cap: no more characters either.
  if (name.length <= MEMBER_NAME_MAX) return name;
  const chars = Array.from(name);
  if (chars.length <= MEMBER_NAME_MAX) return name;
  return chars.slice(0, MEMBER_NAME_MAX - 1).join("") + "…";
}

/**
 * A window placed around a hit, decoded when first used: where it starts and ends is known at once (see
 * windowExtent), and a hit that the raw bytes already rule out (see raw-gate.ts) places its window as
 * its analysis would have, so that later hits reuse the same windows either way.
 */
class CachedWindow {
  private decoded: DecodedWindow | undefined;
  private scope: ScopeContext | undefined;
  private tokenCache: TokenCache | undefined;
  readonly bags = new Map<string, WordBag>();

  constructor(
    private readonly stretch: Stretch,
    private readonly encoding: Encoding,
    private readonly from: number,
    private readonly to: number,
    private readonly anchor: number,
    /** Absolute offsets of the window's first decoded byte and just after its last. */
    readonly start: number,
    readonly end: number,
  ) {}

  get window(): DecodedWindow {
    const { bytes, base } = this.stretch;
    return (this.decoded ??= decodeWindow(bytes, base, this.encoding, this.from, this.to, this.anchor));
  }

  get scopeContext(): ScopeContext {
    return (this.scope ??= prepareScopeContext(this.window.text));
  }

  get tokens(): TokenCache {
    return (this.tokenCache ??= new TokenCache(this.window.text));
  }
}

/** A hit located in a decoded window: its character range [start, end). */
interface Located {
  readonly cached: CachedWindow;
  readonly start: number;
  readonly end: number;
}

/** A bounded stretch of the artifact in memory: bytes[0] is at absolute offset `base`. */
export interface Stretch {
  readonly bytes: Uint8Array;
  readonly base: number;
  /** Size of the whole artifact. */
  readonly size: number;
  /** The UTF-16 byte order the artifact's first bytes show, if they show one (see leadingByteOrder). */
  readonly byteOrder?: "utf-16le" | "utf-16be";
  /** A range of `bytes` (relative offsets) known to hold only text-like bytes (see textRun). */
  text?: { readonly from: number; readonly to: number };
  /** Readings of `bytes` for the encoding checks of its many hits (see walksOf). */
  walks?: CharsetWalks;
  /** Bytes the encoding checks read around hits so far, before `walks` was made. */
  sniffed?: number;
}

/**
 * The stretch's CharsetWalks, once the encoding checks have read half as many bytes around its hits as it
 * holds (each check reads them in up to three charsets, as the walks read the whole stretch): the walks
 * then cost no more than the checks have, and each check after them costs little. A stretch with few hits
 * (a cluster of one or two, a megabyte of firmware with a stray `xj`) is never read whole.
 */
function walksOf(buffer: Stretch, from: number, to: number): CharsetWalks | undefined {
  if (buffer.walks !== undefined) return buffer.walks;
  buffer.sniffed = (buffer.sniffed ?? 0) + (to - from);
  if (2 * buffer.sniffed < buffer.bytes.length) return undefined;
  return (buffer.walks = new CharsetWalks(buffer.bytes));
}

/**
 * The UTF-16 byte order an artifact's start shows: a byte order mark, or up to 16 characters of plain ASCII
 * text whose zero bytes all sit on one side. Undefined for anything else (a binary's header).
 */
export function leadingByteOrder(head: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  const pairs = Math.min(16, head.length >> 1);
  if (pairs < 2) return undefined;
  let le = 0;
  let be = 0;
  for (let pair = 0; pair < pairs; pair++) {
    const first = head[2 * pair]!;
    const second = head[2 * pair + 1]!;
    if (second === 0 && first >= 0x09 && first < 0x7f) le++;
    else if (first === 0 && second >= 0x09 && second < 0x7f) be++;
  }
  return le === pairs ? "utf-16le" : be === pairs ? "utf-16be" : undefined;
}

/**
 * The wide window of the cell holding `offset`: [from, to) before decoding (see windowExtent), and the
 * anchor that decides its alignment, the same for every hit of the cell (but the parity of UTF-16 hits).
 */
function wideBounds(
  encoding: Encoding,
  offset: number,
  size: number,
): { cell: number; from: number; to: number; anchor: number } {
  const cell = Math.floor(offset / WIDE_CELL);
  const cellStart = cell * WIDE_CELL;
  return {
    cell,
    from: Math.max(0, cellStart - WIDE_RADIUS),
    to: Math.min(size, cellStart + WIDE_CELL + WIDE_RADIUS + WIDE_TAIL),
    anchor: isUtf16(encoding) ? cellStart + ((offset - cellStart) & 1) : cellStart,
  };
}

/** Thrown when a hit needs bytes beyond those read for its cluster (a wide window). */
class NeedBytes extends Error {
  constructor(
    readonly from: number,
    readonly to: number,
  ) {
    super(`bytes ${from}..${to} are not in memory`);
  }
}

function isUtf16(encoding: Encoding): encoding is "utf-16le" | "utf-16be" {
  return encoding === "utf-16le" || encoding === "utf-16be";
}

/** The code unit at absolute `offset` (-1 outside the artifact; 0x80 stands for any non-ASCII byte). */
function unitAt(buffer: Stretch, offset: number, encoding: Encoding): number {
  const rel = offset - buffer.base;
  if (isUtf16(encoding)) {
    if (rel < 0 || rel + 1 >= buffer.bytes.length) return -1;
    const a = buffer.bytes[rel]!;
    const b = buffer.bytes[rel + 1]!;
    return encoding === "utf-16le" ? a | (b << 8) : (a << 8) | b;
  }
  if (rel < 0 || rel >= buffer.bytes.length) return -1;
  return buffer.bytes[rel]!;
}

/**
 * The token-boundary test on raw bytes, before anything is decoded: false only when the hit surely
 * continues a token on either side (`trace`, `therubyracer`). Undecidable cases (a byte before the hit
 * that may be the trail byte of a double-byte character) pass, and the decoded test decides.
 */
function rawBoundaryOk(buffer: Stretch, hit: Hit, needle: Needle): boolean {
  const encoding = needle.encodings[0]!;
  const width = isUtf16(encoding) ? 2 : 1;
  const start = hit.offset;
  const end = hit.offset + hit.length;
  const prev = unitAt(buffer, start - width, encoding);
  const doubleByte = needle.encodings.includes("gb18030") || needle.encodings.includes("big5");
  const startOk =
    isBoundaryBetween(prev, unitAt(buffer, start, encoding), unitAt(buffer, start + width, encoding)) ||
    (doubleByte && width === 1 && unitAt(buffer, start - 2, encoding) >= 0x81);
  if (!startOk) return false;
  return isBoundaryBetween(
    unitAt(buffer, end - width, encoding),
    unitAt(buffer, end, encoding),
    unitAt(buffer, end + width, encoding),
  );
}

/** 1 for a text-like byte: not NUL or another C0 control, except whitespace and ESC. */
const TEXT_BYTE = Uint8Array.from({ length: 256 }, (_, byte) =>
  byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x1b ? 1 : 0,
);

/**
 * The run of text-like bytes around [start, end), bounded. The stretch remembers the text-like bytes it
 * has seen, so that the next hit in the same text (a cluster in one file) does not scan them again.
 */
export function textRun(
  buffer: Stretch,
  start: number,
  end: number,
  limit: number,
): { from: number; to: number } {
  const { bytes, base } = buffer;
  const hitFrom = start - base;
  const hitTo = end - base;
  const lowest = Math.max(0, hitFrom - limit);
  const highest = Math.min(bytes.length, hitTo + limit);
  const known = buffer.text;
  let from = hitFrom;
  let to = hitTo;
  // Bytes known to be text-like need no test: the scans go on from where they end.
  if (known !== undefined && known.from <= from && from <= known.to) from = Math.max(known.from, lowest);
  while (from > lowest && TEXT_BYTE[bytes[from - 1]!] === 1) from--;
  if (known !== undefined && known.from <= to && to <= known.to) to = Math.min(known.to, highest);
  while (to < highest && TEXT_BYTE[bytes[to]!] === 1) to++;
  let hitIsText = true;
  for (let at = hitFrom; at < hitTo && hitIsText; at++) hitIsText = TEXT_BYTE[bytes[at]!] === 1;
  if (hitIsText) {
    // [from, to) is all text-like; so is its union with what was known, when they touch.
    buffer.text =
      known !== undefined && known.from <= to && from <= known.to
        ? { from: Math.min(from, known.from), to: Math.max(to, known.to) }
        : { from, to };
  }
  return { from: from + base, to: to + base };
}

/** Terms lower-cased once (for case-insensitive terms). */
const lowerTerms = new WeakMap<CompiledTerm, string>();

function sameAsTerm(text: string, term: CompiledTerm): boolean {
  if (text === term.text) return true;
  if (!term.caseInsensitive) return false;
  let lower = lowerTerms.get(term);
  if (lower === undefined) {
    lower = term.text.toLowerCase();
    lowerTerms.set(term, lower);
  }
  return text.toLowerCase() === lower;
}

/**
 * Confirms (or refines) the encoding a hit claims by decoding its neighbourhood. Returns undefined when the
 * neighbourhood contradicts it: a UTF-16 hit that reads better in the other byte order (a UTF-16BE needle
 * matches UTF-16LE text shifted by one byte), or a multi-byte hit whose surroundings do not decode.
 */
function resolveEncoding(
  buffer: Stretch,
  hit: Hit,
  needle: Needle,
  term: CompiledTerm,
): Encoding | undefined {
  const encodings = needle.encodings;
  const claimed = encodings[0]!;
  const start = hit.offset;
  const end = hit.offset + hit.length;
  if (encodings.length > 1) {
    const run = textRun(buffer, start, end, 2048);
    const walks = walksOf(buffer, run.from, run.to);
    return sniffAsciiCompatible(buffer.bytes, buffer.base, run.from, run.to, start, encodings, walks);
  }
  if (isUtf16(claimed)) {
    const other = claimed === "utf-16le" ? "utf-16be" : "utf-16le";
    const shift = claimed === "utf-16le" ? -1 : 1;
    const otherStart = start + shift;
    if (otherStart < buffer.base || otherStart + hit.length > buffer.base + buffer.bytes.length)
      return claimed;
    const reading = decodeWindow(buffer.bytes, buffer.base, other, otherStart, otherStart + hit.length).text;
    if (!sameAsTerm(reading, term)) return claimed;
    const score = (encoding: Encoding, at: number): number => {
      const window = decodeWindow(buffer.bytes, buffer.base, encoding, at - 256, at + hit.length + 256, at);
      const first = charIndexAt(window, at);
      const last = charIndexAt(window, at + hit.length);
      return first === undefined || last === undefined ? 0 : runPlausibility(window.text, first, last);
    };
    const mine = score(claimed, start);
    const theirs = score(other, otherStart);
    // Little-endian is by far the more common: big-endian must read clearly better (random bytes next to
    // an identifier extend either reading by a character or two; real text in the right order by many),
    // or, when neither reads better (ASCII text), the artifact must start in big-endian (a BOM, or text).
    // Alignment cannot decide: a .NET string heap holds UTF-16LE at odd offsets, after a length byte.
    const le = claimed === "utf-16le" ? mine : theirs;
    const be = claimed === "utf-16le" ? theirs : mine;
    const bigEndian =
      be - le >= BYTE_ORDER_MARGIN || (le - be < BYTE_ORDER_MARGIN && buffer.byteOrder === "utf-16be");
    const keep = claimed === "utf-16be" ? bigEndian : !bigEndian;
    return keep ? claimed : undefined;
  }
  // A non-ASCII term in UTF-8, GB18030 or Big5: the text around it must decode in that charset.
  const run = textRun(buffer, start, end, 256);
  const text = decodeWindow(buffer.bytes, buffer.base, claimed, run.from, run.to, start).text;
  let nonAscii = 0;
  let invalid = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0xfffd) invalid++;
    else if (code >= 0x80) nonAscii++;
  }
  return invalid * 4 > nonAscii ? undefined : claimed;
}

/**
 * True when the hit has a camel hump that no spelling of the term has, next to a piece of at most three
 * letters: two words that happen to spell the term (`isLamAlef` is not "islam", `UyGur` not "uygur").
 */
export function splitsTerm(text: string, start: number, end: number, humps: readonly number[]): boolean {
  for (let at = start + 1; at < end; at++) {
    const prev = text.charCodeAt(at - 1);
    const next = text.charCodeAt(at);
    if (!(prev >= 0x61 && prev <= 0x7a && next >= 0x41 && next <= 0x5a)) continue;
    if (humps.includes(at - start)) continue;
    if (at - start <= 3 || end - at <= 3) return true;
  }
  return false;
}

function isBase64Code(code: number): boolean {
  return isWordCode(code) || code === 0x2b || code === 0x2f;
}

/**
 * True when [start, end) lies in a long run of base64 characters that reads like encoded data: at least
 * 64 characters, with digits and frequent case changes (real identifiers are shorter or use `_`).
 */
export function insideEncodedBlob(text: string, start: number, end: number): boolean {
  let from = start;
  while (from > 0 && start - from < 256 && isBase64Code(text.charCodeAt(from - 1))) from--;
  let to = end;
  while (to < text.length && to - end < 256 && isBase64Code(text.charCodeAt(to))) to++;
  if (to - from < 64) return false;
  let digits = 0;
  let changes = 0;
  let previousUpper: boolean | undefined;
  for (let at = from; at < to; at++) {
    const code = text.charCodeAt(at);
    if (code >= 0x30 && code <= 0x39) digits++;
    const upper = code >= 0x41 && code <= 0x5a;
    const lower = code >= 0x61 && code <= 0x7a;
    if (upper || lower) {
      if (previousUpper !== undefined && previousUpper !== upper) changes++;
      previousUpper = upper;
    }
  }
  return digits > 0 && changes * 6 > to - from;
}

/** Han ideographs (with extension A and the compatibility block) and kana: the letters of CJK words. */
function isCjkLetter(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x3041 && code <= 0x30ff) ||
    (code >= 0xf900 && code <= 0xfaff)
  );
}

/**
 * CJK letters around a CJK hit, with no punctuation, space or other character between, from which on the hit
 * is taken to lie in a word list (an input method's or a word segmenter's dictionary, a character table): such
 * lists put every word next to every other, so a term "near" another there says nothing. Prose and UI strings
 * break far sooner: by punctuation (，。、), quotes, NULs or line ends.
 */
export const WORD_LIST_RUN = 48;

/** How far along its line a hit looks for emoji (CLDR annotations keep them within a few dozen characters). */
const EMOJI_REACH = 160;

/**
 * A WordNet synset line: offset, lexicographer file, part of speech, word count (`09636890 18 n 03 …`); or
 * one of ImageNet's class lists, keyed by WordNet ids (`n03520493<TAB>hijab`).
 */
const WORDNET_LINE = /^(?:\d{8} \d{2} [nvasr] [0-9a-f]{2} |n\d{8}\t)/u;

/**
 * A column of a Weka/OpenML dataset (`@attribute race {White, Asian-Pac-Islander, …}`, the census data that
 * machine-learning packages test with): a table of records, not a classifier's or a device's vocabulary.
 */
const ARFF_ATTRIBUTE = /^@attribute\s/iu;

/**
 * A surrogate pair in U+1F000-U+1FBFF, matched as code units (no `u` flag): pictographs, skin-tone modifiers,
 * people. A lone surrogate is what binary data read as UTF-16 gives. One search: a loop over the code units
 * had V8 compile `lexiconLine` again at the first pair it met.
 */
const EMOJI_PAIR = /[\ud83c-\ud83e][\udc00-\udfff]/;
/** Numeric character references and escapes of the emoji planes (U+1F000-U+1FAFF). */
const EMOJI_ESCAPE = /&#x1f[0-9a-f]{3};|&#12\d{4};|\\u\{?1f[0-9a-f]{3}|\\ud83[c-e]/iu;

/**
 * Names a kind of lexicon when the hit's line is an entry of one, where words of every sort sit side by side
 * and none is a software attribute: emoji annotations and keywords (Unicode CLDR's, input methods', a word
 * processor's autocorrect list), whose lines hold the emoji itself or its `:short-code:`; WordNet's
 * synset lines; and the columns of an ARFF dataset. Undefined otherwise.
 */
export function lexiconLine(text: string, start: number, end: number): string | undefined {
  let from = start;
  while (from > 0 && start - from < 400 && text.charCodeAt(from - 1) !== 0x0a) from--;
  let to = end;
  while (to < text.length && to - end < 400 && text.charCodeAt(to) !== 0x0a) to++;
  const low = Math.max(from, start - EMOJI_REACH);
  const high = Math.min(to, end + EMOJI_REACH);
  // A pair whose first unit lies in [low, high), its second one maybe just past it.
  if (EMOJI_PAIR.test(text.slice(low, high + 1))) return "emoji data";
  const near = text.slice(low, high);
  if (EMOJI_ESCAPE.test(near)) return "emoji data";
  if (isShortCode(text, start, end)) return "emoji data";
  const atLineStart = from === 0 || text.charCodeAt(from - 1) === 0x0a;
  if (atLineStart && WORDNET_LINE.test(text.slice(from, from + 20))) return "a WordNet dictionary";
  if (atLineStart && ARFF_ATTRIBUTE.test(text.slice(from, from + 12))) return "a dataset schema (ARFF)";
  return undefined;
}

function isShortCodeChar(code: number): boolean {
  return isWordCode(code) || code === 0x5f || code === 0x2b || code === 0x2d;
}

/**
 * True when the hit lies in an emoji short code, `:headscarf:` or `:woman_with_headscarf:`: one token of
 * word characters between two single colons (not C++'s `Human::Race::Black`).
 */
function isShortCode(text: string, start: number, end: number): boolean {
  let open = start;
  while (open > 0 && start - open < 40 && isShortCodeChar(text.charCodeAt(open - 1))) open--;
  let close = end;
  while (close < text.length && close - end < 40 && isShortCodeChar(text.charCodeAt(close))) close++;
  return (
    text.charCodeAt(open - 1) === 0x3a &&
    text.charCodeAt(close) === 0x3a &&
    text.charCodeAt(open - 2) !== 0x3a &&
    text.charCodeAt(close + 1) !== 0x3a &&
    !isShortCodeChar(text.charCodeAt(open - 2))
  );
}

/** Both bytes of the UTF-16 code unit are ASCII (what ASCII strings read as UTF-16 are made of, NULs too). */
function isAsciiPair(code: number): boolean {
  return (code & 0x8080) === 0;
}

/**
 * True when [start, end) is CJK and lies in a run of at least WORD_LIST_RUN further CJK letters. ASCII text
 * read as UTF-16 also gives runs of ideographs (a UTF-16 string placed in an ASCII string table); those are
 * not word lists: in them nearly every code unit is two ASCII bytes, in real CJK text about 60% are.
 */
export function insideWordList(text: string, start: number, end: number): boolean {
  if (end <= start || !isCjkLetter(text.charCodeAt(start)) || !isCjkLetter(text.charCodeAt(end - 1)))
    return false;
  let around = 0;
  let asciiPairs = 0;
  const count = (code: number): boolean => {
    if (!isCjkLetter(code)) return false;
    around++;
    if (isAsciiPair(code)) asciiPairs++;
    return true;
  };
  for (let at = start - 1; at >= 0 && around < WORD_LIST_RUN && count(text.charCodeAt(at)); at--);
  for (let at = end; at < text.length && around < WORD_LIST_RUN && count(text.charCodeAt(at)); at++);
  return around >= WORD_LIST_RUN && asciiPairs * 8 < around * 7;
}

/** Separators of lexicon entries: NUL (a string table, a compiled dictionary) and line breaks. */
function isEntryBreak(code: number): boolean {
  return code === 0 || code === 0x0a || code === 0x0d;
}

/** Letters a lexicon headword starts with: CJK (see isCjkLetter) and Hangul syllables. */
function isHeadLetter(code: number): boolean {
  return isCjkLetter(code) || (code >= 0xac00 && code <= 0xd7a3);
}

/** Entries looked at on each side of the hit's, and how far (in characters) the look may go. */
const LEXICON_ENTRIES = 8;
const LEXICON_REACH = 2400;
/** The longest entry taken for a lexicon's (a definition in a character database runs to a few lines). */
const LEXICON_ENTRY = 320;

/**
 * A syllable with its tone as a number (pinyin `huang2`, Cantonese `zing4`: an initial, one to three vowels,
 * a final consonant, the tone), or pinyin with a tone mark (`yàng`).
 */
const SYLLABLE =
  "(?:(?:zh|ch|sh|ng|gw|kw|[b-df-hj-np-tw-z])?[aeiouüv]{1,3}(?:ng|[nmptkr])?[1-6]|[a-zü]{0,4}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]{0,4})";
/**
 * A reading in romanization: an entry made of one to eight syllables, or a tab-separated field of two to
 * eight (`黃色\thuang2 se4\t4105`).
 */
const ROMANIZED_ENTRY = new RegExp(`^${SYLLABLE}(?: ${SYLLABLE}){0,7}$`, "u");
const ROMANIZED_FIELD = new RegExp(`(?:^|\t)${SYLLABLE}(?: ${SYLLABLE}){1,7}(?=$|\t)`, "u");

/** What either kind of dictionary needs around a hit: CJK or Hangul letters, or a syllable with its tone. */
const LEXICON_LETTERS =
  /[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaffāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]|[a-zü][1-6](?:[\t\n\r\0 ]|$)/u;

/** A whole entry that is a Unicode character name: capital words, `PERSON WITH HEADSCARF`. */
const CHARACTER_NAME_ENTRY = /[\0\n][A-Z][A-Z0-9-]*(?: [A-Z0-9][A-Z0-9-]*)+\r?[\0\n]/u;
/**
 * Either of the two above: one search, where two in a row left V8 without feedback for the second until a
 * hit without CJK letters came, and it compiled `dictionaryEntry` again then.
 */
export const LEXICON_NEAR = new RegExp(`${LEXICON_LETTERS.source}|${CHARACTER_NAME_ENTRY.source}`, "u");
const CHARACTER_NAME = /^[A-Z][A-Z0-9-]*(?: [A-Z0-9][A-Z0-9-]*)*\r?$/u;
/** A code point in hex, as character name lists key their names (`1F9D5`). */
const CODE_POINT = /^(?:U\+)?[0-9A-F]{4,6}\r?$/u;

/** One entry of a lexicon around a hit: its first character and the CJK or Hangul letters it starts with. */
interface LexiconEntry {
  readonly head: number;
  readonly headword: number;
  readonly romanized: boolean;
  /** A Unicode character name (capital words), or the code point such lists key one by. */
  readonly characterName: boolean;
  /** A character name of two words or more. */
  readonly longName: boolean;
}

function lexiconEntry(text: string, from: number, to: number): LexiconEntry {
  let headword = 0;
  while (from + headword < to && isHeadLetter(text.charCodeAt(from + headword))) headword++;
  const entry = to - from <= 80 ? text.slice(from, to) : "";
  const romanized = ROMANIZED_ENTRY.test(entry) || ROMANIZED_FIELD.test(entry);
  const name = CHARACTER_NAME.test(entry);
  const characterName = name || CODE_POINT.test(entry);
  return {
    head: text.charCodeAt(from),
    headword,
    romanized,
    characterName,
    longName: name && entry.includes(" "),
  };
}

/**
 * Names the kind of dictionary whose entry the hit is in, or undefined. Entries are separated by NULs or line
 * ends; the hit's entry is compared with up to LEXICON_ENTRIES entries on each side.
 *
 * - **A sorted dictionary** (an input method's table, a segmenter's word list, a conversion table, a
 *   Korean-Hanja dictionary): three in four neighbouring entries begin with the same letter as the one
 *   before, and the headwords are word-sized (a median of five letters or fewer). A vendor's string table
 *   or a list of class labels does not sort its words by their first letter; a datasheet's lines that all
 *   begin with 支持 ("supports") carry longer phrases.
 * - **A romanized dictionary** (a character database, an input method's table): four or more of the
 *   neighbouring entries hold a reading in romanization with tones, a field no software attribute list has.
 * - **A list of Unicode character names** (a character picker's, a font tool's): the hit's entry is a name
 *   in capitals of two words or more (`PERSON WITH HEADSCARF`), as are four of its neighbours, and three in
 *   four of them are such names (`CRICKET` too) or the code points that key them. An SDK writes its
 *   attributes as identifiers (`HEAD_SCARF`); a camera's on-screen labels are single words.
 */
export function dictionaryEntry(text: string, start: number, end: number): string | undefined {
  // No kind without CJK or Hangul headwords, readings with tones or character names nearby: most hits stop here.
  if (!lexiconNear(text, Math.max(0, start - LEXICON_REACH), Math.min(text.length, end + LEXICON_REACH)))
    return undefined;
  // The rest is in functions of their own, each small enough for V8 to optimise once: as one function it was
  // optimised again after each rarely taken branch, ~130 ms of compiling in a scan of the bench corpus.
  let from = start;
  while (from > 0 && start - from < LEXICON_ENTRY && !isEntryBreak(text.charCodeAt(from - 1))) from--;
  let to = end;
  while (to < text.length && to - end < LEXICON_ENTRY && !isEntryBreak(text.charCodeAt(to))) to++;
  if (start - from >= LEXICON_ENTRY || to - end >= LEXICON_ENTRY) return undefined;
  const before = entriesBefore(text, from);
  const after = entriesAfter(text, to);
  if (before.length + after.length < 2 * LEXICON_ENTRIES - 4) return undefined;
  return dictionaryKind(before.reverse(), lexiconEntry(text, from, to), after);
}

/**
 * The last slice of a text that LEXICON_NEAR found nothing in. Hits close together (a string table's) search
 * much the same text: a scan of /usr/lib/jvm searched 321 M characters for 68,799 hits, ~1.2 s.
 */
let emptyText: string | undefined;
let emptyFrom = 0;
let emptyTo = 0;

/** Characters inside a Unicode character name entry: capitals, digits, `-`, spaces and a CR before its end. */
function isNameChar(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === 0x20 ||
    code === 0x0d
  );
}

/**
 * Whether LEXICON_NEAR matches in text[from, to), searching only what the last empty slice did not cover. The
 * pattern has no anchor but the `$` of a syllable with its tone and no lookbehind, so a match within that
 * slice would have been found in it, except a syllable ending at `to` that matches the `$`; and a match
 * reaching past it starts at most two characters before its end (a syllable with its tone), or at the break
 * before the run of a character name's characters that reaches it.
 */
export function lexiconNear(text: string, from: number, to: number): boolean {
  let searchFrom = from;
  if (text === emptyText && from >= emptyFrom && from <= emptyTo) {
    if (to <= emptyTo) {
      if (to === emptyTo || to - from < 2) return false;
      const letter = text.charCodeAt(to - 2);
      const tone = text.charCodeAt(to - 1);
      return ((letter >= 0x61 && letter <= 0x7a) || letter === 0xfc) && tone >= 0x31 && tone <= 0x36;
    }
    let run = emptyTo;
    while (run > from && isNameChar(text.charCodeAt(run - 1))) run--;
    searchFrom = Math.max(from, Math.min(emptyTo - 2, run - 1));
  }
  if (LEXICON_NEAR.test(text.slice(searchFrom, to))) return true;
  emptyText = text;
  emptyFrom = from;
  emptyTo = to;
  return false;
}

/** Up to LEXICON_ENTRIES entries before text[from] (nearest first). */
function entriesBefore(text: string, from: number): LexiconEntry[] {
  const before: LexiconEntry[] = [];
  for (let at = from; before.length < LEXICON_ENTRIES && from - at < LEXICON_REACH;) {
    while (at > 0 && isEntryBreak(text.charCodeAt(at - 1))) at--;
    if (at === 0) break;
    const entryEnd = at;
    while (at > 0 && entryEnd - at <= LEXICON_ENTRY && !isEntryBreak(text.charCodeAt(at - 1))) at--;
    if (entryEnd - at > LEXICON_ENTRY) break;
    before.push(lexiconEntry(text, at, entryEnd));
  }
  return before;
}

/** Up to LEXICON_ENTRIES entries from text[to] on. */
function entriesAfter(text: string, to: number): LexiconEntry[] {
  const after: LexiconEntry[] = [];
  for (let at = to; after.length < LEXICON_ENTRIES && at - to < LEXICON_REACH;) {
    while (at < text.length && isEntryBreak(text.charCodeAt(at))) at++;
    if (at === text.length) break;
    const entryStart = at;
    while (at < text.length && at - entryStart <= LEXICON_ENTRY && !isEntryBreak(text.charCodeAt(at))) at++;
    if (at - entryStart > LEXICON_ENTRY) break;
    after.push(lexiconEntry(text, entryStart, at));
  }
  return after;
}

/** The kind of dictionary (see dictionaryEntry) of the hit's entry among its neighbours, in text order. */
function dictionaryKind(
  before: readonly LexiconEntry[],
  hit: LexiconEntry,
  after: readonly LexiconEntry[],
): string | undefined {
  const around = before.concat(after);
  if (around.filter((entry) => entry.romanized).length >= 4) return "a romanized dictionary";
  // Unicode's character names (a character picker's, a font tool's): every entry, the hit's too, one name.
  if (
    hit.longName &&
    around.filter((entry) => entry.characterName).length >= (3 * LEXICON_ENTRIES) / 2 &&
    around.filter((entry) => entry.longName).length >= 4
  )
    return "a list of Unicode character names";
  const entries = [...before, hit, ...after];
  let sorted = 0;
  for (let k = 1; k < entries.length; k++) {
    const head = entries[k]!.head;
    if (isHeadLetter(head) && head === entries[k - 1]!.head) sorted++;
  }
  const headwords = entries.map((entry) => entry.headword).sort((a, b) => a - b);
  const median = headwords[headwords.length >> 1]!;
  if (4 * sorted >= 3 * (entries.length - 1) && median >= 1 && median <= 5) return "a sorted dictionary";
  return undefined;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

/** Encodings in which an ASCII character is its one byte, and no other byte decodes to one. */
function isAsciiCompatible(encoding: Encoding): boolean {
  return encoding === "utf-8" || encoding === "gb18030" || encoding === "big5";
}

/** Analyzes hits whose bytes (with margins) are in memory. Hits must lie inside the buffer. */
class BufferAnalyzer {
  private readonly windows = new Map<string, CachedWindow>();
  /** The last wide window per encoding and alignment, with its cell (hits come in order of offset). */
  private readonly wideWindows = new Map<string, { cell: number; window: CachedWindow }>();
  /** Texts of the raw gates found in the buffer (see raw-gate.ts), made on first use. */
  private occurrences: RawOccurrences | undefined;
  /** Hits rejected by their gates whose windows are not placed yet (see placeGated). */
  private readonly gated: Hit[] = [];
  /** The furthest end of a small window that the hits so far may have placed. */
  private reachedEnd = -Infinity;

  constructor(
    private buffer: Stretch,
    private readonly pack: CompiledRulePack,
    private readonly onReject?: RejectListener,
  ) {}

  get bytes(): Stretch {
    return this.buffer;
  }

  /** Replaces the buffer with a larger one over the same artifact (decoded windows stay valid). */
  widen(buffer: Stretch): void {
    this.buffer = buffer;
    this.occurrences = undefined;
  }

  /** Tells the listener (if any) why a hit did not become a detection of the rules using its term. */
  private reject(hit: Hit, term: CompiledTerm, reason: string, patternIndex?: number): void {
    if (this.onReject === undefined) return;
    const refs =
      patternIndex === undefined ? term.refs : term.refs.filter((ref) => ref.pattern === patternIndex);
    const rules = new Set(refs.map((ref) => this.pack.patterns[ref.pattern]!.ruleId));
    for (const ruleId of rules) this.onReject({ ruleId, offset: hit.offset, term: term.text, reason });
  }

  private windowFor(encoding: Encoding, offset: number, length: number, radius: number): CachedWindow {
    const key = `${encoding}:${isUtf16(encoding) ? offset & 1 : 0}:${radius}`;
    const { base, bytes, size } = this.buffer;
    // The ends of the artifact (the buffer always reaches past any window that does not touch them).
    const lowest = 0;
    const highest = size;
    const cached = this.windows.get(key);
    if (cached) {
      const roomBefore = cached.start <= lowest + 2 || cached.start <= offset - radius / 2;
      const roomAfter = cached.end >= highest - 2 || cached.end >= offset + length + radius / 2;
      if (roomBefore && roomAfter && offset >= cached.start) return cached;
    }
    const from = offset - radius;
    const to = offset + length + radius;
    if (Math.max(0, from) < base || Math.min(size, to) > base + bytes.length) throw new NeedBytes(from, to);
    const { start, end } = windowExtent(bytes, base, encoding, from, to, offset);
    // The stretch as it is now: a widened buffer (see widen) holds the same bytes at other indexes.
    const fresh = new CachedWindow(this.buffer, encoding, from, to, offset, start, end);
    this.windows.set(key, fresh);
    return fresh;
  }

  /** The wide window of the hit's cell (see wideBounds), whichever hit of the cell asked first. */
  private wideWindowFor(encoding: Encoding, offset: number): CachedWindow {
    const { base, bytes, size } = this.buffer;
    const { cell, from, to, anchor } = wideBounds(encoding, offset, size);
    const key = `${encoding}:${isUtf16(encoding) ? offset & 1 : 0}`;
    const kept = this.wideWindows.get(key);
    if (kept !== undefined && kept.cell === cell) return kept.window;
    if (from < base || to > base + bytes.length) throw new NeedBytes(from, to);
    const { start, end } = windowExtent(bytes, base, encoding, from, to, anchor);
    const window = new CachedWindow(this.buffer, encoding, from, to, anchor, start, end);
    this.wideWindows.set(key, { cell, window });
    return window;
  }

  /** The decoded window around the hit and the hit's character range in it (undefined: not a character boundary). */
  private locate(encoding: Encoding, hit: Hit, radius: number): Located | undefined {
    return this.locateIn(this.windowFor(encoding, hit.offset, hit.length, radius), hit);
  }

  private locateIn(cached: CachedWindow, hit: Hit): Located | undefined {
    const start = charIndexAt(cached.window, hit.offset);
    const end = charIndexAt(cached.window, hit.offset + hit.length);
    if (start === undefined || end === undefined || end <= start) return undefined;
    return { cached, start, end };
  }

  /**
   * The scope of a hit; when the small window shows no structure but was cut short before the hit (the
   * opening brace of a big struct may lie further back), a wide window is tried once.
   */
  private scopeOf(encoding: Encoding, hit: Hit, located: Located): { located: Located; scope: Scope } {
    const scope = findScope(located.cached.scopeContext, located.start);
    const structured = scope.kind !== "text" && scope.kind !== "comment";
    const cut = located.cached.window.start > 2;
    if (structured || !cut || !closesBeyondWindow(located.cached.scopeContext, located.start))
      return { located, scope };
    const wide = this.locateIn(this.wideWindowFor(encoding, hit.offset), hit);
    if (wide === undefined) return { located, scope };
    const wideScope = findScope(wide.cached.scopeContext, wide.start);
    return wideScope.kind === "text" || wideScope.kind === "comment"
      ? { located, scope }
      : { located: wide, scope: wideScope };
  }

  analyze(hit: Hit, out: Detection[]): void {
    const pack = this.pack;
    const term = pack.terms[hit.termId];
    const needle = pack.needles[hit.needleId];
    if (term === undefined || needle === undefined) return;
    // No window placed so far ends within 2 bytes of this hit, so none can serve it or a later hit (see
    // windowFor): where the gated hits before it would have placed theirs makes no difference.
    if (hit.offset - 2 > this.reachedEnd) this.gated.length = 0;
    this.reachedEnd = Math.max(this.reachedEnd, hit.offset + hit.length + WINDOW_RADIUS);
    if (term.allTokenBoundary && !rawBoundaryOk(this.buffer, hit, needle)) {
      this.reject(hit, term, "not on token boundaries (raw bytes)");
      return;
    }
    // The raw gates (see raw-gate.ts): when the bytes around the hit rule out a condition of every pattern,
    // the full analysis, which checks them after decoding, would reject it too. The rule tester and
    // --explain want the full analysis's reasons. A gate's answer is the same in every encoding the hit
    // may be read in (see someMayPass), so it comes before the encoding check.
    if (this.onReject === undefined) {
      const gate = termGate(pack, term);
      if (gate !== undefined && !this.someMayPass(hit, needle.encodings[0]!, gate)) {
        // Its window is placed as the analysis would place it (a later hit may use it), but only when a
        // later hit of the cluster is analysed: see placeGated.
        this.gated.push(hit);
        return;
      }
    }
    this.placeGated();
    const encoding = resolveEncoding(this.buffer, hit, needle, term);
    if (encoding === undefined) {
      if (this.onReject !== undefined)
        this.reject(
          hit,
          term,
          `the ${needle.encodings[0]!} reading is not confirmed by the surrounding bytes`,
        );
      return;
    }
    const small = this.locate(encoding, hit, WINDOW_RADIUS);
    if (small === undefined || !sameAsTerm(small.cached.window.text.slice(small.start, small.end), term)) {
      if (this.onReject !== undefined) this.reject(hit, term, `inside a multi-byte character in ${encoding}`);
      return;
    }
    const lexicon = lexiconLine(small.cached.window.text, small.start, small.end);
    if (lexicon !== undefined) {
      if (this.onReject !== undefined) this.reject(hit, term, `on a line of ${lexicon}`);
      return;
    }
    if (insideWordList(small.cached.window.text, small.start, small.end)) {
      if (this.onReject !== undefined)
        this.reject(hit, term, `inside an unbroken run of ${WORD_LIST_RUN}+ CJK characters (a word list)`);
      return;
    }
    const dictionary = dictionaryEntry(small.cached.window.text, small.start, small.end);
    if (dictionary !== undefined) {
      if (this.onReject !== undefined) this.reject(hit, term, `in an entry of ${dictionary}`);
      return;
    }
    // Camel humps inside base64 or minified blobs make random "tokens" (…IsXjRy…): not identifiers.
    const wholeTokens =
      coversWholeTokens(small.cached.window.text, small.start, small.end) &&
      !insideEncodedBlob(small.cached.window.text, small.start, small.end) &&
      !splitsTerm(small.cached.window.text, small.start, small.end, term.humps);

    const text = small.cached.window.text;
    const { start, end } = small;
    // The scope is found only when a condition (or a detection) needs it.
    const context = new HitContext(
      text,
      start,
      end,
      () => this.scopeView(encoding, hit, small),
      small.cached.tokens,
    );
    // The rules already confirmed for this hit (a term is rarely in more than a few patterns).
    const done: number[] = [];
    for (const ref of term.refs) {
      if (ref.tokenBoundary && !wholeTokens) {
        this.reject(hit, term, "not on token boundaries", ref.pattern);
        continue;
      }
      const pattern = pack.patterns[ref.pattern]!;
      if (done.includes(pattern.ruleIndex)) continue;
      const result = evaluateWhere(pattern.where, context);
      if (!result.ok) {
        if (this.onReject !== undefined) {
          const index = patternIndexInRule(pack, pattern.index, pattern.ruleIndex);
          this.reject(hit, term, `pattern ${index}: ${result.failed ?? "conditions failed"}`, ref.pattern);
        }
        continue;
      }
      done.push(pattern.ruleIndex);
      const scope = context.scope;
      const rule = pack.rules[pattern.ruleIndex]!;
      const rel = hit.offset - this.buffer.base;
      const { excerpt, excerptMatch } = makeExcerpt(text, start, end);
      const data: Record<string, string> = {};
      if (result.siblings.length > 0) data["siblings"] = result.siblings.join(", ");
      if (scope.memberName !== undefined) data["memberName"] = capMemberName(scope.memberName);
      if (scope.memberIndex !== undefined) data["scopeIndex"] = String(scope.memberIndex);
      if (scope.members.length > 0) data["scopeMembers"] = String(scope.members.length);
      if (scope.inComment) data["inComment"] = "true";
      data["identifier"] = context.identifierText();
      data["pattern"] = String(patternIndexInRule(pack, pattern.index, pattern.ruleIndex));
      out.push({
        ruleId: rule.id,
        messageId: pattern.messageId,
        offset: hit.offset,
        length: hit.length,
        encoding,
        match: text.slice(start, end),
        matchHex: toHex(this.buffer.bytes.subarray(rel, rel + hit.length)),
        excerpt,
        excerptMatch,
        scope: { kind: scope.kind, ...(scope.name === undefined ? {} : { name: scope.name }) },
        data,
      });
    }
  }

  /**
   * Places the small windows of the hits rejected by their gates since the last hit analysed, in their
   * order, as the analysis would have placed them: in the encoding the hit reads in (none when its
   * reading is not confirmed). The windows a later hit reuses depend on them; the encoding checks, the
   * costly part, are left out for a cluster whose every hit is rejected by its gate.
   */
  private placeGated(): void {
    if (this.gated.length === 0) return;
    const pack = this.pack;
    for (const hit of this.gated) {
      const encoding = resolveEncoding(
        this.buffer,
        hit,
        pack.needles[hit.needleId]!,
        pack.terms[hit.termId]!,
      );
      if (encoding !== undefined) this.windowFor(encoding, hit.offset, hit.length, WINDOW_RADIUS);
    }
    this.gated.length = 0;
  }

  /**
   * Whether some pattern of the hit's term may pass the conditions its gate rules on (see raw-gate.ts),
   * for a hit whose needle is in `encoding`. The answer is the same for every encoding the hit may turn out
   * to read in: those of one needle share one byte layout (ASCII-compatible charsets, or one UTF-16 byte
   * order), and the bytes searched are the hit's cell's wide window, which holds its small window.
   */
  private someMayPass(hit: Hit, encoding: Encoding, gate: TermGate): boolean {
    let identifier: string | null | undefined;
    let reach: { from: number; to: number } | null | undefined;
    for (const pattern of gate) {
      if (pattern.identifier !== undefined && isAsciiCompatible(encoding)) {
        if (identifier === undefined) identifier = this.identifierBytes(hit);
        if (identifier !== null && !pattern.identifier.some((text) => identifier!.includes(text))) continue;
      }
      if (pattern.scopeName !== undefined) {
        if (reach === undefined) reach = this.nameReach(encoding, hit);
        if (reach !== null) {
          this.occurrences ??= new RawOccurrences(this.buffer.bytes, this.buffer.base);
          if (!this.occurrences.has(pattern.scopeName, layoutOf(encoding), reach.from, reach.to)) continue;
        }
      }
      return true;
    }
    return false;
  }

  /**
   * The bytes every window the hit's analysis may use lies in: its cell's wide window, which holds its
   * small one (a small window reaches WINDOW_RADIUS and a needle's length around a hit at or after its
   * start, a wide one WIDE_RADIUS around the cell). Null when they are not all in memory.
   */
  private nameReach(encoding: Encoding, hit: Hit): { from: number; to: number } | null {
    const { base, bytes, size } = this.buffer;
    const wide = wideBounds(encoding, hit.offset, size);
    if (wide.from < base || wide.to > base + bytes.length) return null;
    return { from: wide.from, to: wide.to };
  }

  /**
   * The lower-cased bytes the identifier holding an ASCII hit lies within, or null when they may go on
   * beyond the bytes in memory. In an ASCII-compatible encoding the decoded identifier (identifierAround:
   * ASCII identifier characters, IDENTIFIER_REACH at most on each side) is made of single bytes, so it lies
   * within the run of identifier bytes around the hit: a token that run lacks, the identifier lacks.
   */
  private identifierBytes(hit: Hit): string | null {
    const { bytes, base, size } = this.buffer;
    const at = hit.offset - base;
    const after = at + hit.length;
    let left = at;
    while (left > 0 && at - left < IDENTIFIER_REACH && isIdentifierCode(bytes[left - 1]!)) left--;
    let right = after;
    while (right < bytes.length && right - after < IDENTIFIER_REACH && isIdentifierCode(bytes[right]!))
      right++;
    if (left === 0 && base > 0 && at < IDENTIFIER_REACH) return null;
    if (right === bytes.length && base + bytes.length < size && right - after < IDENTIFIER_REACH) return null;
    return Buffer.from(bytes.buffer, bytes.byteOffset + left, right - left)
      .toString("latin1")
      .toLowerCase();
  }

  /** The scope of a hit with its word bags (cached per window and scope range). */
  private scopeView(encoding: Encoding, hit: Hit, small: Located): ScopeView {
    const { located, scope } = this.scopeOf(encoding, hit, small);
    const { cached } = located;
    const text = cached.window.text;
    const scopeKey = `${scope.kind}:${scope.start}:${scope.end}`;
    const bag = () => {
      let words = cached.bags.get(scopeKey);
      if (words === undefined) {
        words = wordBag(text, scope.start, scope.end, true);
        cached.bags.set(scopeKey, words);
      }
      return words;
    };
    const nameText = [scope.name, ...scope.aliases]
      .filter((name): name is string => name !== undefined)
      .join(" ");
    let nameWords: WordBag | undefined;
    const names = () => (nameWords ??= wordBag(nameText, 0, nameText.length));
    return { scope, bag, names, start: located.start, end: located.end };
  }
}

function patternIndexInRule(pack: CompiledRulePack, patternIndex: number, ruleIndex: number): number {
  let first = patternIndex;
  while (first > 0 && pack.patterns[first - 1]!.ruleIndex === ruleIndex) first--;
  return patternIndex - first;
}

function byOffset(a: Hit, b: Hit): number {
  return a.offset - b.offset || b.length - a.length || a.needleId - b.needleId;
}

/** One detection per rule per occurrence: a rule's detections may not overlap (the longest, earliest wins). */
function dedupe(detections: Detection[]): Detection[] {
  detections.sort(
    (a, b) =>
      a.offset - b.offset || b.length - a.length || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0),
  );
  const lastEnd = new Map<string, number>();
  const kept: Detection[] = [];
  for (const detection of detections) {
    const end = lastEnd.get(detection.ruleId);
    if (end !== undefined && detection.offset < end) continue;
    lastEnd.set(detection.ruleId, detection.offset + detection.length);
    kept.push(detection);
  }
  return kept;
}

/**
 * Analyzes hits over bytes already in memory (`bytes` is the whole artifact). Synchronous: used by the
 * rule tester and for small in-memory artifacts.
 */
export function analyzeBytes(
  hits: readonly Hit[],
  bytes: Uint8Array,
  pack: CompiledRulePack,
  onReject?: RejectListener,
): Detection[] {
  const analyzer = new BufferAnalyzer({ bytes, base: 0, size: bytes.length }, pack, onReject);
  const out: Detection[] = [];
  for (const hit of [...hits].sort(byOffset)) analyzer.analyze(hit, out);
  return dedupe(out);
}

/**
 * Turns candidate hits into detections. Reads bounded windows around clusters of nearby hits with
 * `source.read` (never the whole artifact); hits are rejected cheaply on raw bytes before any decoding.
 * A reject listener hears why each hit was rejected (every hit is then analysed in full).
 */
export async function analyzeHits(
  hits: readonly Hit[],
  source: ByteSource,
  pack: CompiledRulePack,
  onReject?: RejectListener,
): Promise<Detection[]> {
  const sorted = [...hits].sort(byOffset);
  const out: Detection[] = [];
  const byteOrder = sorted.some((hit) => isUtf16(hit.encoding))
    ? leadingByteOrder(await source.read(0, 32))
    : undefined;
  let index = 0;
  while (index < sorted.length) {
    const first = sorted[index]!;
    let last = index;
    let end = first.offset + first.length;
    while (last + 1 < sorted.length) {
      const next = sorted[last + 1]!;
      if (next.offset - end > CLUSTER_GAP || next.offset + next.length - first.offset > CLUSTER_SPAN) break;
      last++;
      end = Math.max(end, next.offset + next.length);
    }
    // The cluster's reads go into buffers of the thread's pool, given back once its analysis is done: the
    // detections keep no view of them.
    const taken: Uint8Array[] = [];
    const read = async (margin: number): Promise<Stretch> => {
      const from = Math.max(0, first.offset - margin);
      const to = Math.min(source.size, end + margin);
      // (A longer read, were there one, gets a buffer of its own.)
      const into = to - from <= READ_BUFFER_BYTES ? acquireBuffer(READ_BUFFER_BYTES) : undefined;
      if (into !== undefined) taken.push(into);
      const bytes = await source.read(from, to - from, into);
      return { bytes, base: from, size: source.size, ...(byteOrder !== undefined ? { byteOrder } : {}) };
    };
    try {
      const margin = last - index + 1 >= WIDE_READ_HITS ? WIDE_MARGIN : READ_MARGIN;
      const analyzer = new BufferAnalyzer(await read(margin), pack, onReject);
      const firstDetection = out.length;
      for (let k = index; k <= last; k++) {
        const mark = out.length;
        try {
          analyzer.analyze(sorted[k]!, out);
        } catch (error) {
          if (!(error instanceof NeedBytes)) throw error;
          // Analysing a hit has no effect before it asks for the wide window: read more and do it again.
          out.length = mark;
          analyzer.widen(await read(WIDE_MARGIN));
          analyzer.analyze(sorted[k]!, out);
        }
      }
      const { bytes, base, size } = analyzer.bytes;
      for (let k = firstDetection; k < out.length; k++) prepareWidening(out[k]!, bytes, base, size);
    } finally {
      for (const buffer of taken) releaseBuffer(buffer);
    }
    index = last + 1;
  }
  return dedupe(out);
}

/**
 * The size of the buffers a cluster is read into (from the thread's pool, see acquireBuffer): room for the
 * largest cluster read with the wide margin. A fresh buffer would fault its pages in on every read, a
 * megabyte for a dense cluster.
 */
const READ_BUFFER_BYTES = CLUSTER_SPAN + 2 * WIDE_MARGIN + 4096;
