/**
 * Parses JSON held as UTF-8 bytes, including documents longer than the longest string V8 can make (2^29 - 24
 * units): the JSON report of a scan over a whole download archive, with half a million coverage entries, is
 * 700 MB and more, and `JSON.parse(await readFile(path, "utf8"))` fails on it with "Invalid string length".
 *
 * A value whose bytes fit in `wholeBytes` goes to `JSON.parse` in one piece. A longer object or array is split
 * into its members, found by a walk over the bytes that knows only strings, brackets, colons and commas, and
 * each member is parsed the same way; so every scalar and every small container is still checked by `JSON.parse`,
 * and a split container's own punctuation is checked here. The walk relies on UTF-8: the bytes of `"`, `\`,
 * brackets and commas never occur inside a multi-byte character.
 *
 * (stream-json was measured first: 94 s and 3.1 GB to assemble a 994 MB report, against seconds here.)
 */

/** Whole-value limit: a slice of this many UTF-8 bytes is at most this many UTF-16 units, well under V8's. */
export const WHOLE_JSON_BYTES = 128 * 1024 * 1024;

/** Containers split inside containers split: more than this is not a report, and would cost a walk a level. */
const MAX_SPLIT_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const decoder = new TextDecoder("utf-8");

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function syntaxError(message: string, at: number): SyntaxError {
  return new SyntaxError(`${message} at byte ${at}`);
}

function skipSpace(bytes: Uint8Array, at: number, end: number): number {
  let i = at;
  while (i < end && isSpace(bytes[i])) i++;
  return i;
}

/** `at` is an opening quote; returns the index after its closing quote. */
function stringEnd(bytes: Uint8Array, at: number, end: number): number {
  let from = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0 || quote >= end) throw syntaxError("Unterminated string", at);
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Bytes the walk over a container must look at: quotes and brackets. */
const STRUCTURAL = new Uint8Array(256);
for (const byte of [QUOTE, OPEN_OBJECT, OPEN_ARRAY, CLOSE_OBJECT, CLOSE_ARRAY]) STRUCTURAL[byte] = 1;

/**
 * `at` is the first byte of a value; returns the index after it, or -1 when it is a container that does not
 * end within `budget` bytes (its brackets are matched by `JSON.parse`, or by `parseValue` when it is split).
 */
function valueEnd(bytes: Uint8Array, at: number, end: number, budget: number): number {
  const first = bytes[at];
  if (first === QUOTE) return stringEnd(bytes, at, end);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    const stop = Math.min(end, at + budget);
    let depth = 0;
    for (let i = at; i < stop; i++) {
      const byte = bytes[i] ?? 0;
      if (STRUCTURAL[byte] === 0) continue;
      if (byte === QUOTE) {
        // Inline rather than stringEnd: most strings here are short, and a call to indexOf costs more.
        const from = i;
        for (i++; ; i++) {
          if (i >= end) throw syntaxError("Unterminated string", from);
          const inside = bytes[i];
          if (inside === QUOTE) break;
          if (inside === BACKSLASH) i++;
        }
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
      else {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    if (stop < end) return -1;
    throw syntaxError("Unterminated object or array", at);
  }
  let i = at;
  while (i < end) {
    const byte = bytes[i];
    if (byte === COMMA || byte === CLOSE_OBJECT || byte === CLOSE_ARRAY || isSpace(byte)) break;
    i++;
  }
  if (i === at) throw syntaxError("Unexpected token", at);
  return i;
}

function parseWhole(bytes: Uint8Array, start: number, end: number): unknown {
  try {
    return JSON.parse(decoder.decode(bytes.subarray(start, end))) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) throw syntaxError(`${error.message}, in the value`, start);
    // Only a string can still be longer than V8's longest one here.
    if (error instanceof RangeError) throw syntaxError("A string too long to read", start);
    throw error;
  }
}

/** Where a parsed value ends. */
interface Parsed {
  value: unknown;
  end: number;
}

/**
 * Parses the value that starts at `start` and ends before `limit`: in one piece when it ends within
 * `wholeBytes`, else member by member. Each byte is walked once per level of containers too long to parse
 * whole, plus at most `wholeBytes` for the walk that found a container too long.
 */
function parseValue(
  bytes: Uint8Array,
  start: number,
  limit: number,
  wholeBytes: number,
  depth: number,
): Parsed {
  const end = valueEnd(bytes, start, limit, wholeBytes);
  if (end >= 0) return { value: parseWhole(bytes, start, end), end };
  if (depth >= MAX_SPLIT_DEPTH) throw syntaxError("Too deeply nested to read", start);
  const isObject = bytes[start] === OPEN_OBJECT;
  const close = isObject ? CLOSE_OBJECT : CLOSE_ARRAY;
  const array: unknown[] = [];
  const object: Record<string, unknown> = {};
  let i = skipSpace(bytes, start + 1, limit);
  if (bytes[i] === close) return { value: isObject ? object : array, end: i + 1 };
  for (;;) {
    let key = "";
    if (isObject) {
      if (bytes[i] !== QUOTE) throw syntaxError("Expected a property name", i);
      const keyEnd = stringEnd(bytes, i, limit);
      key = parseWhole(bytes, i, keyEnd) as string;
      i = skipSpace(bytes, keyEnd, limit);
      if (bytes[i] !== COLON) throw syntaxError("Expected ':'", i);
      i = skipSpace(bytes, i + 1, limit);
    }
    if (i >= limit) throw syntaxError("Expected a value", i);
    const member = parseValue(bytes, i, limit, wholeBytes, depth + 1);
    // As JSON.parse does: a "__proto__" key is an own property, never the prototype.
    if (isObject)
      Object.defineProperty(object, key, {
        value: member.value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    else array.push(member.value);
    i = skipSpace(bytes, member.end, limit);
    if (bytes[i] === close) return { value: isObject ? object : array, end: i + 1 };
    if (bytes[i] !== COMMA) throw syntaxError("Expected ',' or a closing bracket", i);
    i = skipSpace(bytes, i + 1, limit);
  }
}

/** Like `JSON.parse` of the bytes' UTF-8 text (a leading byte-order mark is skipped), for any length. */
export function parseJsonBytes(content: Uint8Array, wholeBytes = WHOLE_JSON_BYTES): unknown {
  // A plain view: indexing a Buffer (a subclass) in the walk's loop took three times as long here.
  const bytes = new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  if (bytes.length - start <= wholeBytes) return JSON.parse(decoder.decode(bytes.subarray(start))) as unknown;
  start = skipSpace(bytes, start, bytes.length);
  if (start === bytes.length) throw syntaxError("Unexpected end of JSON input", start);
  const { value, end } = parseValue(bytes, start, bytes.length, wholeBytes, 0);
  const rest = skipSpace(bytes, end, bytes.length);
  if (rest !== bytes.length) throw syntaxError("Unexpected non-whitespace character after JSON", rest);
  return value;
}
