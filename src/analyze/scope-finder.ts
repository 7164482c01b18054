import type { ScopeKind } from "../model/finding.js";
import { CODE, COMMENT, lex, type Lexed } from "./lexer.js";

export type FoundScopeKind = Exclude<ScopeKind, "none">;

/** The innermost meaningful scope around a hit, in character positions of the decoded window. */
export interface Scope {
  readonly kind: FoundScopeKind;
  /** Enum/struct/class name (typedef name before tag), the key or variable a list/object is assigned to, a comment's first words. */
  readonly name?: string;
  /** Other names of the same scope (the tag when the typedef name is the name). */
  readonly aliases: readonly string[];
  /** Character range [start, end) of the scope's content. */
  readonly start: number;
  readonly end: number;
  /** Member names (enum members, fields, list elements, object keys, strings of a string table). */
  readonly members: readonly string[];
  /** Position of the member holding the hit, 0-based. */
  readonly memberIndex?: number;
  readonly memberName?: string;
  /** The hit lies in a comment (a trailing comment of a member keeps the member's scope). */
  readonly inComment: boolean;
}

/** A decoded window prepared once for all hits in it: character classes and bracket structure. */
export interface ScopeContext {
  readonly text: string;
  readonly classes: Uint8Array;
  readonly brackets: Brackets;
  /** What findScope worked out about each opener (by position), for the next hit inside it. */
  readonly openers: Map<number, OpenerFacts>;
  /** Blank lines and paragraph facts, found when a hit first needs a paragraph. */
  paragraphCache?: ParagraphCache;
}

/** An opener's closer and classification, and (once a hit asks) its members: the same for every hit inside. */
export interface OpenerFacts {
  readonly close: number;
  readonly classified: Classified | undefined;
  members?: MemberTable;
}

/**
 * The pieces of a scope between its top-level separators: their ranges (flattened), the member names of
 * the named ones, and per piece the member index a hit inside it gets (-1: none).
 */
interface MemberTable {
  readonly ranges: readonly number[];
  readonly names: readonly string[];
  readonly indexIfHolds: readonly number[];
}

/**
 * The brackets of the code in a window (comments and strings skipped), matched without regard to their
 * kind: `enclosing(i)` is the innermost opener still open before text[i] (-1: none), `closer(o)` the
 * closer that matches the opener at `o` (text.length when it is not closed in the window).
 */
export interface Brackets {
  enclosing(index: number): number;
  closer(open: number): number;
  /** How many closers at or after `index` have no opener between `index` and themselves. */
  unmatchedClosersFrom(index: number): number;
}

/**
 * Classes and brackets are computed on first use: hits in binary data (string tables) never need them, and
 * the hits of one window share them.
 */
export function prepareScopeContext(text: string): ScopeContext {
  return new LazyScopeContext(text);
}

/** See prepareScopeContext (a class: getters in an object literal are slow to create). */
class LazyScopeContext implements ScopeContext {
  readonly openers = new Map<number, OpenerFacts>();
  paragraphCache?: ParagraphCache;
  private lexed: Lexed | undefined;
  private matched: Brackets | undefined;

  constructor(readonly text: string) {}

  get classes(): Uint8Array {
    this.lexed ??= lex(this.text);
    return this.lexed.classes;
  }

  get brackets(): Brackets {
    this.lexed ??= lex(this.text);
    this.matched ??= matchBrackets(this.text.length, this.lexed.brackets, this.text);
    return this.matched;
  }
}

/**
 * Matches the brackets of the code (their positions in order, as the lexer found them) with a stack,
 * keeping only the brackets (see Brackets).
 */
export function matchBrackets(length: number, found: readonly number[], text: string): Brackets {
  /** Positions of the matched-or-open brackets in order; the innermost open bracket after each; an opener's closer. */
  const positions: number[] = [];
  const topAfter: number[] = [];
  const match: number[] = [];
  const stack: number[] = [];
  for (const at of found) {
    if (isOpener(text.charCodeAt(at))) {
      stack.push(positions.length);
      positions.push(at);
      match.push(length);
    } else if (stack.length > 0) {
      match[stack.pop()!] = at;
      positions.push(at);
      match.push(-1);
    } else continue;
    topAfter.push(stack.length > 0 ? positions[stack[stack.length - 1]!]! : -1);
  }
  /** How many of `list` lie before `index`. */
  const countBefore = (list: readonly number[], index: number): number => {
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (list[middle]! < index) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  /** How many brackets lie before `index`. */
  const before = (index: number): number => {
    let low = 0;
    let high = positions.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (positions[middle]! < index) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  return {
    enclosing(index) {
      const count = before(index);
      return count === 0 ? -1 : topAfter[count - 1]!;
    },
    closer(open) {
      const at = before(open);
      return positions[at] === open ? match[at]! : length;
    },
    unmatchedClosersFrom(index) {
      let depth = 0;
      let unmatched = 0;
      for (let k = countBefore(found, index); k < found.length; k++) {
        if (isOpener(text.charCodeAt(found[k]!))) depth++;
        else if (--depth < 0) {
          unmatched++;
          depth = 0;
        }
      }
      return unmatched;
    },
  };
}

const IDENT = /[a-z_$][\w$]*/gi;
const MAX_HEADER = 240;
const MAX_TEXT_SPAN = 1500;
const MAX_TABLE_SPAN = 600;

/** Characters that read as text (not binary noise). */
export function isTextChar(code: number): boolean {
  return TEXT_CHAR[code] !== 0;
}

/** Per code unit: 2 printable text, 1 text that is a line break or tab, 0 not text (see textCharKind). */
const TEXT_CHAR = Uint8Array.from({ length: 65536 }, (_, code) =>
  textCharKind(code) ? (code === 0x0a || code === 0x0d || code === 0x09 ? 1 : 2) : 0,
);

/** The definition behind TEXT_CHAR. */
function textCharKind(code: number): boolean {
  if (code >= 0x20 && code < 0x7f) return true;
  if (code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c) return true;
  if (code >= 0xa0 && code <= 0x1fff) return true; // Latin, Greek, Cyrillic, Hebrew, Arabic, Indic, Thai …
  if (code >= 0x2000 && code <= 0x2bff) return true; // punctuation, symbols, arrows
  if (code >= 0x3000 && code <= 0x9fff) return true; // CJK punctuation, kana, CJK unified
  if (code >= 0xac00 && code <= 0xd7a3) return true; // Hangul
  if (code >= 0xd800 && code <= 0xdfff) return true; // emoji and other astral characters
  if (code >= 0xf900 && code <= 0xfaff) return true;
  return code >= 0xfe30 && code <= 0xffef && code !== 0xfffd;
}

/** True when the text around `index` looks like binary data rather than a text file. */
export function looksBinary(text: string, index: number, radius = 256): boolean {
  const from = Math.max(0, index - radius);
  const to = Math.min(text.length, index + radius);
  if (to <= from) return false;
  const odd = to - from - textUnits(text, from, to);
  if (odd > (to - from) * 0.05) return true;
  if (odd === 0) return false;
  return hasNul(text, from, to);
}

/*
 * The loops below are alone in their functions, with nothing after them, nor on a branch in them, but a
 * return: V8 (Node 20's) may compile a loop as it runs, on its first call, and keeps that code for later
 * calls. A step after the loop, or on a branch, that had not run by then leaves that code at every call that
 * reaches it, and V8 does not drop the code for it. `looksBinary`, written with its loops inline, was seen
 * leaving its code 87 times in one scan of the bench corpus.
 */

/** The code units of text[from, to) that TEXT_CHAR takes as text (1 or 2 there: (kind + 1) >> 1 is 1). */
function textUnits(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = from; at < to; at++) count += (TEXT_CHAR[text.charCodeAt(at)]! + 1) >> 1;
  return count;
}

function hasNul(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) if (text.charCodeAt(at) === 0) return true;
  return false;
}

function lineStart(text: string, index: number): number {
  return text.lastIndexOf("\n", index - 1) + 1;
}
function lineEnd(text: string, index: number): number {
  const end = text.indexOf("\n", index);
  return end === -1 ? text.length : end;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const OPEN_PAREN = 0x28;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const CLOSE_PAREN = 0x29;

function isOpener(code: number): boolean {
  return code === OPEN_BRACE || code === OPEN_BRACKET || code === OPEN_PAREN;
}
function isCloser(code: number): boolean {
  return code === CLOSE_BRACE || code === CLOSE_BRACKET || code === CLOSE_PAREN;
}

/** The matching closer of the (code) opener at `open`; text.length when cut off. */
function matchingClose(context: ScopeContext, open: number): number {
  return context.brackets.closer(open);
}

/** The nearest unmatched opener before `index` (code only), or -1. */
function enclosingOpener(context: ScopeContext, index: number): number {
  return context.brackets.enclosing(index);
}

/**
 * True when a closing bracket after `index` (code only) has no opener inside the window: the hit lies in
 * a structure that began before the window did.
 */
export function closesBeyondWindow(context: ScopeContext, index: number): boolean {
  const unmatched = context.brackets.unmatchedClosersFrom(index);
  if (unmatched === 0) return false;
  let openers = 0;
  for (
    let cursor = enclosingOpener(context, index);
    cursor >= 0 && openers < unmatched;
    cursor = enclosingOpener(context, cursor)
  )
    openers++;
  return unmatched > openers;
}

/** Code before the opener, back to the previous statement end, with comments and strings blanked. */
function headerBefore(context: ScopeContext, open: number): string {
  const { text, classes } = context;
  let from = open;
  while (from > 0 && open - from < MAX_HEADER) {
    const at = from - 1;
    if (classes[at] === CODE) {
      const char = text.charAt(at);
      if (char === ";" || char === "}" || char === "{") break;
    }
    from = at;
  }
  return codeOnly(context, from, open);
}

function unquote(text: string): string {
  const trimmed = text.trim();
  const match = /^(["'`])(.*)\1$/s.exec(trimmed);
  return match ? match[2]! : trimmed;
}

/** The key or variable a value is assigned to: `x = [`, `"key": {`, `$x = array(`, `actions=(`. */
function assignedName(header: string): string | undefined {
  let trimmed = header.trimEnd();
  // A constructor or type between the operator and the bracket: `= new List<string>`, `= array`, `:= []string`.
  const typed = /(?:=|:|=>|\bnew|\breturn)\s*(?:new\s+)?[\w.<>[\]$]+$/.exec(trimmed);
  if (typed) trimmed = trimmed.slice(0, typed.index + (typed[0].startsWith("new") ? 0 : 1)).trimEnd();
  if (trimmed.endsWith("new")) trimmed = trimmed.slice(0, -3).trimEnd();
  const last = trimmed.charAt(trimmed.length - 1);
  if (last !== "=" && last !== ":" && last !== ">") return undefined;
  if (last === ">" && !trimmed.endsWith("=>")) return undefined;
  let end = trimmed.length;
  while (end > 0 && ":=+>".includes(trimmed.charAt(end - 1))) end--;
  if (trimmed.slice(end - 1, end + 1) === "==" || "!<".includes(trimmed.charAt(end - 1))) return undefined;
  while (end > 0 && /\s/.test(trimmed.charAt(end - 1))) end--;
  if (end > 0 && "\"'`".includes(trimmed.charAt(end - 1))) end--;
  let start = end;
  while (start > 0 && /[\w$.\-\u0080-\uffff]/u.test(trimmed.charAt(start - 1))) start--;
  const name = trimmed.slice(start, end).replace(/^\$/, "");
  return name === "" ? undefined : name;
}

/**
 * The last keyword of `keywords` in the header (not followed by `=`, `(` or `)`, which would make it an
 * expression or a parameter), with the name that follows it (modifiers such as `class` in `enum class` skipped).
 */
function keywordTag(
  header: string,
  keywords: ReadonlySet<string>,
): { keyword: string; tag?: string } | undefined {
  const words = [...header.matchAll(IDENT)];
  for (let index = words.length - 1; index >= 0; index--) {
    const word = words[index]!;
    if (!keywords.has(word[0])) continue;
    const rest = header.slice(word.index + word[0].length);
    if (/[=()]/.test(rest)) return undefined;
    let next = index + 1;
    while (next < words.length && (words[next]![0] === "class" || words[next]![0] === "struct")) next++;
    const tag = words[next]?.[0];
    return tag === undefined ? { keyword: word[0] } : { keyword: word[0], tag };
  }
  return undefined;
}

const ENUM_KEYWORDS: ReadonlySet<string> = new Set(["enum"]);
const STRUCT_KEYWORDS: ReadonlySet<string> = new Set(["struct", "union", "interface", "record"]);
const CLASS_KEYWORDS: ReadonlySet<string> = new Set(["class", "trait", "object"]);

export interface Classified {
  readonly kind: FoundScopeKind;
  readonly name?: string;
  readonly aliases: readonly string[];
  /** How members are written: separated by commas, by statements, by lines. */
  readonly members: "comma" | "statement" | "line" | "go-struct";
}

function identifiersOf(text: string): string[] {
  return [...text.matchAll(IDENT)].map((match) => match[0]);
}

/** The typedef name after the closing brace: `} EM_NATION_TYPE;` or `} NET_X, *LPNET_X;`. */
function typedefName(context: ScopeContext, close: number): string | undefined {
  const after = context.text.slice(close + 1, close + 160);
  const match = /^\s*([a-z_]\w*)/i.exec(after);
  return match?.[1];
}

function classifyOpener(context: ScopeContext, open: number, close: number): Classified | undefined {
  const opener = context.text.charAt(open);
  const header = headerBefore(context, open);
  const trimmed = header.trimEnd();
  if (opener === "{") {
    const words = identifiersOf(trimmed).slice(-3);
    if (
      words.length === 3 &&
      words[0] === "type" &&
      (words[2] === "struct" || words[2] === "interface") &&
      /(?:struct|interface)$/.test(trimmed)
    )
      return { kind: "struct", name: words[1]!, aliases: [], members: "go-struct" };
    const enumMatch = keywordTag(trimmed, ENUM_KEYWORDS);
    const structMatch = enumMatch ? undefined : keywordTag(trimmed, STRUCT_KEYWORDS);
    const classMatch = enumMatch || structMatch ? undefined : keywordTag(trimmed, CLASS_KEYWORDS);
    const typed = enumMatch
      ? { kind: "enum" as const, tag: enumMatch.tag, members: "comma" as const }
      : structMatch
        ? { kind: "struct" as const, tag: structMatch.tag, members: "statement" as const }
        : classMatch?.tag !== undefined
          ? { kind: "class" as const, tag: classMatch.tag, members: "statement" as const }
          : undefined;
    if (typed) {
      const typedef = /\btypedef\b/.test(trimmed) ? typedefName(context, close) : undefined;
      const names = [typedef, typed.tag].filter((name): name is string => name !== undefined && name !== "");
      return {
        kind: typed.kind,
        ...(names[0] === undefined ? {} : { name: names[0] }),
        aliases: names.slice(1),
        members: typed.members,
      };
    }
    // An object literal: after an assignment, a key, an opening bracket, a comma, return or at the start.
    if (trimmed === "" || /(?:[=:,([]|=>|\breturn)\s*$/.test(trimmed)) {
      const name = assignedName(header);
      return { kind: "object", ...(name === undefined ? {} : { name }), aliases: [], members: "comma" };
    }
    return undefined; // function body, namespace, extern "C", control flow: transparent
  }
  if (opener === "[") {
    if (/[\w$)\]]\s*$/.test(trimmed) && !/\b(?:return|in|of|yield)\s*$/.test(trimmed)) return undefined; // indexing, array declarator
    const name = assignedName(header);
    return { kind: "list", ...(name === undefined ? {} : { name }), aliases: [], members: "comma" };
  }
  // "("
  if (/\bconst\s*$/.test(trimmed)) return { kind: "enum", aliases: [], members: "line" }; // Go const block
  if (/\barray\s*$/i.test(trimmed) || trimmed === "" || /(?:[=:,([]|=>|\breturn|\bin)\s*$/.test(trimmed)) {
    const name = assignedName(header);
    return { kind: "list", ...(name === undefined ? {} : { name }), aliases: [], members: "comma" };
  }
  return undefined;
}

/** Splits [from, to) at top-level separators (code only); returns the pieces' ranges. */
function splitTopLevel(
  context: ScopeContext,
  from: number,
  to: number,
  separators: string,
): [number, number][] {
  const { text, classes } = context;
  const pieces: [number, number][] = [];
  let depth = 0;
  let start = from;
  const separator = separators.length === 1 ? separators.charCodeAt(0) : -1;
  for (let at = from; at < to; at++) {
    if (classes[at] !== CODE) continue;
    const code = text.charCodeAt(at);
    if (isOpener(code)) depth++;
    else if (isCloser(code)) depth--;
    else if (depth === 0 && (code === separator || (separator < 0 && separators.includes(text.charAt(at))))) {
      pieces.push([start, at]);
      start = at + 1;
    }
  }
  pieces.push([start, to]);
  return pieces;
}

/** text[from, to) (from >= 0) with every comment character replaced by a space; built run by run. */
function codeOnly(context: ScopeContext, from: number, to: number): string {
  const { text, classes } = context;
  const end = Math.min(to, text.length);
  let out = "";
  let at = from;
  while (at < end) {
    const comment = classes[at] === COMMENT;
    let next = at + 1;
    while (next < end && (classes[next] === COMMENT) === comment) next++;
    out += comment ? " ".repeat(next - at) : text.slice(at, next);
    at = next;
  }
  return out;
}

function memberNameOf(style: Classified["members"], kind: FoundScopeKind, code: string): string | undefined {
  const trimmed = code.trim();
  if (trimmed === "") return undefined;
  if (kind === "list") {
    // A tuple or record as element (Python ctypes `("emNation", C_ENUM)`): its first string or name.
    if ("([{".includes(trimmed.charAt(0))) {
      const inner = /["'`]([^"'`]*)["'`]|([a-z_$][\w$]*)/i.exec(trimmed);
      return inner?.[1] ?? inner?.[2];
    }
    return unquote(trimmed);
  }
  if (kind === "object") {
    const key = /^\s*(["'`]?)([^"'`:=\s]+)\1\s*(?::|=>|=)/.exec(trimmed);
    return key ? key[2] : unquote(trimmed);
  }
  if (style === "comma" || style === "line" || style === "go-struct") {
    const first = /^(?:\[[^\]]*\]\s*)*([a-z_$][\w$]*)/i.exec(trimmed); // skip C# attributes
    return first?.[1];
  }
  // Statement: the last identifier before the first ":", "=", "[" or "(" (C field, Java field, TS property).
  const head = trimmed.split(/[:=[(]/, 1)[0] ?? trimmed;
  const names = identifiersOf(head);
  return names.at(-1)?.replace(/^\$/, "");
}

/**
 * The position that decides which member a hit belongs to: a trailing comment (code before it on its line)
 * describes the member written on that line, before its separator.
 */
function memberAnchor(context: ScopeContext, hit: number, separators: string): number {
  const { text, classes } = context;
  if (classes[hit] !== COMMENT) return hit;
  const from = lineStart(text, hit);
  let at = hit - 1;
  while (at >= from && (classes[at] !== CODE || /\s/.test(text.charAt(at)))) at--;
  if (at < from) return hit;
  if (separators.includes(text.charAt(at))) at--;
  return Math.max(from, at);
}

/** The member table of the scope [from, to) of `classified` (see MemberTable). */
function memberTable(context: ScopeContext, classified: Classified, from: number, to: number): MemberTable {
  const pieces = splitTopLevel(context, from, to, separatorsOf(classified));
  const ranges: number[] = [];
  const names: string[] = [];
  const indexIfHolds: number[] = [];
  for (const [start, end] of pieces) {
    const name = memberNameOf(classified.members, classified.kind, codeOnly(context, start, end));
    ranges.push(start, end);
    if (name === undefined) {
      // A comment after the last member belongs to it.
      indexIfHolds.push(names.length > 0 ? names.length - 1 : -1);
      continue;
    }
    indexIfHolds.push(names.length);
    names.push(name);
  }
  return { ranges, names, indexIfHolds };
}

function separatorsOf(classified: Classified): string {
  return classified.members === "statement" ? ";" : classified.members === "comma" ? "," : "\n";
}

/** The members of the scope opened at `open` (closed at `to`), and the one holding the hit. */
function membersOf(
  context: ScopeContext,
  facts: OpenerFacts,
  classified: Classified,
  open: number,
  hit: number,
): { members: readonly string[]; memberIndex?: number; memberName?: string } {
  const separators = separatorsOf(classified);
  const anchor = memberAnchor(context, hit, separators === "\n" ? "" : separators);
  facts.members ??= memberTable(context, classified, open + 1, facts.close);
  const { ranges, names, indexIfHolds } = facts.members;
  // Pieces are disjoint and in order: the first one holding the anchor decides.
  let memberIndex = -1;
  for (let piece = 0; 2 * piece < ranges.length; piece++) {
    if (anchor >= ranges[2 * piece]! && anchor < ranges[2 * piece + 1]!) {
      memberIndex = indexIfHolds[piece]!;
      break;
    }
  }
  return memberIndex < 0
    ? { members: names }
    : { members: names, memberIndex, memberName: names[memberIndex]! };
}

/** The closer and classification of the opener at `open` (worked out once per window). */
function openerFacts(context: ScopeContext, open: number): OpenerFacts {
  let facts = context.openers.get(open);
  if (facts === undefined) {
    const close = matchingClose(context, open);
    facts = { close, classified: classifyOpener(context, open, close) };
    context.openers.set(open, facts);
  }
  return facts;
}

/** Python: `class X(Base):` above the hit with smaller indentation. */
function pythonClass(context: ScopeContext, index: number): Scope | undefined {
  const { text } = context;
  // Cheap test first: no "class " before the hit, no Python class.
  if (text.lastIndexOf("class ", index) === -1) return undefined;
  const hitLineStart = lineStart(text, index);
  const indentOf = (from: number) => {
    let at = from;
    while (
      at < text.length &&
      at - from < 200 &&
      (text.charCodeAt(at) === 0x20 || text.charCodeAt(at) === 0x09)
    )
      at++;
    return at - from;
  };
  const hitIndent = indentOf(hitLineStart);
  if (hitIndent === 0) return undefined;
  let cursor = hitLineStart;
  let guard = 0;
  while (cursor > 0 && guard++ < 400) {
    const start = lineStart(text, cursor - 1);
    const lineEndAt = cursor - 1;
    cursor = start;
    const indent = indentOf(start);
    const first = text.charCodeAt(start + indent);
    if (start + indent >= lineEndAt || first === 0x23 || first === 0x0d) continue; // blank or comment line
    if (indent >= hitIndent) continue;
    const line = text.slice(start, lineEndAt);
    const header = /^\s*class\s+([a-z_]\w*)\s*(?:\(([^)]*)\))?:/i.exec(line.trimEnd());
    if (!header) return undefined;
    const bases = header[2] ?? "";
    const kind: FoundScopeKind = /Enum\b|\bFlag\b/.test(bases)
      ? "enum"
      : /Structure|Union/.test(bases)
        ? "struct"
        : "class";
    // Body: following lines indented deeper than the header.
    const bodyStart = lineEnd(text, start) + 1;
    let bodyEnd = bodyStart;
    let at = bodyStart;
    while (at < text.length) {
      const end = lineEnd(text, at);
      const content = text.slice(at, end);
      if (content.trim() !== "" && indentOf(at) <= indent) break;
      bodyEnd = end;
      at = end + 1;
    }
    const members: string[] = [];
    let memberIndex: number | undefined;
    let memberName: string | undefined;
    const memberIndent = hitIndent;
    for (let line = bodyStart; line < bodyEnd; line = lineEnd(text, line) + 1) {
      const content = text.slice(line, lineEnd(text, line));
      const member =
        indentOf(line) === memberIndent ? /^\s*(?:\(\s*)?["']?([a-z_]\w*)["']?\s*[,:=]/i.exec(content) : null;
      if (member) {
        if (line <= index) {
          memberIndex = members.length;
          memberName = member[1]!;
        }
        members.push(member[1]!);
      }
    }
    return {
      kind,
      name: header[1]!,
      aliases: [],
      start: bodyStart,
      end: Math.max(bodyStart, bodyEnd),
      members,
      ...(memberIndex === undefined ? {} : { memberIndex }),
      ...(memberName === undefined ? {} : { memberName }),
      inComment: context.classes[index] === COMMENT,
    };
  }
  return undefined;
}

/** The comment block holding `index`: the comment itself plus adjacent whole-line comments. */
function commentBlock(context: ScopeContext, index: number): Scope {
  const { text, classes } = context;
  let start = index;
  while (start > 0 && classes[start - 1] === COMMENT) start--;
  let end = index;
  while (end < text.length && classes[end] === COMMENT) end++;
  // Join runs of line comments separated only by a line break and indentation.
  const isBlank = (at: number) => {
    const char = text.charAt(at);
    return char === " " || char === "\t" || char === "\r";
  };
  for (let guard = 0; guard < 50; guard++) {
    let at = start - 1;
    while (at >= 0 && isBlank(at)) at--;
    if (at < 0 || text.charAt(at) !== "\n") break;
    at--;
    while (at >= 0 && isBlank(at)) at--;
    if (at < 0 || classes[at] !== COMMENT) break;
    start = at;
    while (start > 0 && classes[start - 1] === COMMENT) start--;
  }
  for (let guard = 0; guard < 50; guard++) {
    let at = end;
    while (at < text.length && isBlank(at)) at++;
    if (at >= text.length || text.charAt(at) !== "\n") break;
    at++;
    while (at < text.length && isBlank(at)) at++;
    if (at >= text.length || classes[at] !== COMMENT) break;
    end = at;
    while (end < text.length && classes[end] === COMMENT) end++;
  }
  const words = text
    .slice(start, Math.min(end, start + 200))
    .replace(/^[\s/*#!<-]+/, "")
    .split(/\s+/)
    .filter((word) => word !== "" && !/^[/*#-]+$/.test(word))
    .slice(0, 6)
    .join(" ");
  return {
    kind: "comment",
    ...(words === "" ? {} : { name: words }),
    aliases: [],
    start,
    end,
    members: [],
    inComment: true,
  };
}

/** The run of strings around `index` in binary data: text runs separated by short stretches of noise. */
function stringTable(text: string, index: number): Scope {
  const from = Math.max(0, index - MAX_TABLE_SPAN);
  const to = Math.min(text.length, index + MAX_TABLE_SPAN);
  // Runs of printable characters: those of three or more, and the one holding the hit.
  const members: string[] = [];
  let memberIndex: number | undefined;
  let first = index;
  let last = index;
  let at = from;
  while (at < to) {
    while (at < to && !isPrintable(text.charCodeAt(at))) at++;
    const start = at;
    while (at < to && isPrintable(text.charCodeAt(at))) at++;
    const holds = start <= index && index < at;
    if (at - start < 3 && !holds) continue;
    if (holds && memberIndex === undefined) memberIndex = members.length;
    if (members.length === 0) first = start;
    last = at;
    members.push(text.slice(start, at));
  }
  return {
    kind: "string-table",
    aliases: [],
    start: first,
    end: last,
    members,
    ...(memberIndex === undefined ? {} : { memberIndex, memberName: members[memberIndex]! }),
    inComment: false,
  };
}

function isPrintable(code: number): boolean {
  return TEXT_CHAR[code] === 2;
}

const TEXT_GRID = 1024;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d;
}

/** True when text[..at) ends with a line break, optional blanks, and another line break ("\n  \n"). */
export function isBlankLineBefore(text: string, at: number): boolean {
  let k = at - 1;
  if (text.charCodeAt(k) !== 0x0a) return false;
  k--;
  while (k >= 0 && isSpace(text.charCodeAt(k))) k--;
  return k >= 0 && text.charCodeAt(k) === 0x0a;
}

/** True when text[at..) starts with a line break, optional blanks, and another line break. */
export function isBlankLineAfter(text: string, at: number): boolean {
  let k = at;
  if (text.charCodeAt(k) === 0x0d) k++;
  if (text.charCodeAt(k) !== 0x0a) return false;
  k++;
  while (k < text.length && isSpace(text.charCodeAt(k))) k++;
  return k < text.length && text.charCodeAt(k) === 0x0a;
}

/** Lines in a paragraph beyond which a block of delimited records (TSV, CSV) is read line by line. */
const MAX_PARAGRAPH_LINES = 12;

/** A line of tab- or comma-separated fields (not markup or code). */
function isRecordLine(line: string): boolean {
  if (line.split("\t").length >= 3) return true;
  return !/[<>{};]/.test(line) && line.split(",").length >= 4;
}

const ENTRY_LINE = /^\s*(["'])[^"']{1,200}\1\s*:.*,\s*$/;

/**
 * A block of `"key": value,` lines: the middle of a big dictionary whose braces lie outside the window
 * (an emoji name table, a translation map). Every entry is its own record.
 */
function isEntryBlock(text: string, start: number, end: number): boolean {
  const lines = text.slice(start, end).split("\n");
  const entries = lines.filter((line) => ENTRY_LINE.test(line)).length;
  return entries >= lines.length * 0.8;
}

/**
 * The paragraph holding `index`: bounded by blank lines (or by MAX_TEXT_SPAN characters). In a long block
 * of delimited records (a TSV package list, a CSV table) every line is its own record: the scope is the
 * hit's line.
 */
function paragraph(context: ScopeContext, index: number, inComment: boolean): Scope {
  const { text } = context;
  // Bounds on a grid, so that nearby hits in one long block share one scope (and its cached words).
  const lowest = Math.max(0, Math.floor((index - MAX_TEXT_SPAN) / TEXT_GRID) * TEXT_GRID);
  const highest = Math.min(text.length, Math.ceil((index + MAX_TEXT_SPAN) / TEXT_GRID) * TEXT_GRID);
  const blanks = (context.paragraphCache ??= { blankLines: blankLines(text), entryBlocks: new Map() });
  // The last blank line ending in (lowest, index], the first starting in [index, highest).
  const after = blanks.blankLines.after;
  const before = blanks.blankLines.before;
  const startAt = countAtMost(after, index) - 1;
  let start = startAt >= 0 && after[startAt]! > lowest ? after[startAt]! : lowest;
  const endAt = countAtMost(before, index - 1);
  let end = endAt < before.length && before[endAt]! < highest ? before[endAt]! : highest;
  let lines = 0;
  for (let at = start; at < end && lines <= MAX_PARAGRAPH_LINES; at++)
    if (text.charCodeAt(at) === 0x0a) lines++;
  if (lines > MAX_PARAGRAPH_LINES) {
    const entryBlock = (): boolean => {
      const key = start * 4194304 + end;
      let entries = blanks.entryBlocks.get(key);
      if (entries === undefined) {
        entries = isEntryBlock(text, start, end);
        blanks.entryBlocks.set(key, entries);
      }
      return entries;
    };
    if (isRecordLine(text.slice(lineStart(text, index), lineEnd(text, index))) || entryBlock()) {
      start = lineStart(text, index);
      end = lineEnd(text, index);
    }
  }
  while (start < end && /\s/.test(text.charAt(start))) start++;
  while (end > start && /\s/.test(text.charAt(end - 1))) end--;
  return { kind: "text", aliases: [], start, end, members: [], inComment };
}

/** How many of the sorted `list` are at most `value`. */
function countAtMost(list: readonly number[], value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The blank lines of a text (see isBlankLineBefore/After), in order, for paragraph(). */
interface BlankLines {
  /** Every position where isBlankLineBefore holds: just after a blank line's line break. */
  readonly after: readonly number[];
  /** Every position where isBlankLineAfter holds: the line break (or CR before it) ending the line above. */
  readonly before: readonly number[];
}

/** Paragraph facts of a window, shared by its hits. */
export interface ParagraphCache {
  readonly blankLines: BlankLines;
  /** isEntryBlock by paragraph range (start * 2^22 + end). */
  readonly entryBlocks: Map<number, boolean>;
}

/** Finds the blank lines: a line break, blanks (space, tab, CR) only, and another line break. */
export function blankLines(text: string): BlankLines {
  const after: number[] = [];
  const before: number[] = [];
  let previous = text.indexOf("\n");
  while (previous !== -1) {
    const next = text.indexOf("\n", previous + 1);
    if (next === -1) break;
    let blank = true;
    for (let at = previous + 1; at < next && blank; at++) blank = isSpace(text.charCodeAt(at));
    if (blank) {
      after.push(next + 1);
      if (previous > 0 && text.charCodeAt(previous - 1) === 0x0d) before.push(previous - 1);
      before.push(previous);
    }
    previous = next;
  }
  return { after, before };
}

/**
 * Finds the innermost enum / struct / class / list / object around `index` (transparent blocks such as
 * function bodies are looked through), else the comment block, the string table in binary data, or the
 * paragraph of text.
 */
export function findScope(context: ScopeContext, index: number): Scope {
  const { text } = context;
  if (looksBinary(text, index)) return stringTable(text, index);
  const { classes } = context;
  const inComment = classes[index] === COMMENT;
  const trailing = inComment && codeOnly(context, lineStart(text, index), index).trim() !== "";
  let cursor = index;
  for (let guard = 0; guard < 64; guard++) {
    const open = enclosingOpener(context, cursor);
    if (open < 0) break;
    const facts = openerFacts(context, open);
    const { close, classified } = facts;
    // A tuple inside a list or call (`[("emSex", C_ENUM), …]`) is an element, not a scope of its own.
    const unnamedTuple =
      classified?.kind === "list" &&
      classified.name === undefined &&
      text.charAt(open) === "(" &&
      enclosingOpener(context, open) >= 0;
    if (classified !== undefined && !unnamedTuple) {
      // A Python ctypes `_fields_ = [...]` list is the structure of its class.
      if (classified.kind === "list" && classified.name === "_fields_") {
        const owner = pythonClass(context, open);
        if (owner) {
          const listMembers = membersOf(context, facts, classified, open, index);
          return { ...owner, start: open + 1, end: close, ...listMembers, inComment };
        }
      }
      if (
        inComment &&
        !trailing &&
        classified.kind !== "enum" &&
        classified.kind !== "struct" &&
        classified.kind !== "class"
      )
        break;
      const found = membersOf(context, facts, classified, open, index);
      return {
        kind: classified.kind,
        ...(classified.name === undefined ? {} : { name: classified.name }),
        aliases: classified.aliases,
        start: open + 1,
        end: close,
        ...found,
        inComment,
      };
    }
    cursor = open;
  }
  const python = pythonClass(context, index);
  if (python) return python;
  if (inComment) return commentBlock(context, index);
  return paragraph(context, index, false);
}
