import { describe, expect, it } from "vitest";
import { seededIntegers } from "../../test/random.js";
import { parseJsonBytes } from "./json-bytes.js";

const encoder = new TextEncoder();

/** A random JSON value with the things that trouble a walk over bytes: escapes, quotes, brackets in strings. */
function randomValue(next: (limit: number) => number, depth: number): unknown {
  const kind = next(depth > 4 ? 4 : 7);
  if (kind === 0) return [null, true, false][next(3)];
  if (kind === 1) return [0, -0, 1, -12.5, 1e21, 3.25e-7, 2 ** 53 + 2][next(7)];
  if (kind <= 3) {
    const pieces = [
      '"',
      "\\",
      "\\\\",
      '\\"',
      "[",
      "]",
      "{",
      "}",
      ",",
      ":",
      " ",
      "a",
      "b",
      "维族",
      "😀",
      "\n",
      "\u0000",
      "\u2028",
    ];
    let text = "";
    for (let count = next(6); count > 0; count--) text += pieces[next(pieces.length)] ?? "";
    return text;
  }
  if (kind <= 5) return Array.from({ length: next(6) }, () => randomValue(next, depth + 1));
  const object: Record<string, unknown> = {};
  for (let count = next(6); count > 0; count--) {
    const key = ["a", "b", "__proto__", "0", "10", "layers", '"', "\\", "{"][next(9)] ?? "a";
    Object.defineProperty(object, key, {
      value: randomValue(next, depth + 1),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return object;
}

function parsedOrError(parse: () => unknown): { value: unknown } | { error: true } {
  try {
    return { value: parse() };
  } catch (error) {
    expect(error).toBeInstanceOf(SyntaxError);
    return { error: true };
  }
}

describe("parseJsonBytes", () => {
  it("gives what JSON.parse gives, whole or split into members at any size", () => {
    const next = seededIntegers(7);
    for (let round = 0; round < 400; round++) {
      const value = { top: randomValue(next, 0), list: [randomValue(next, 1), randomValue(next, 1)] };
      const text = JSON.stringify(value, null, next(2) === 0 ? undefined : 2);
      const bytes = encoder.encode(text);
      const expected = JSON.parse(text) as unknown;
      for (const wholeBytes of [1, 2, 7, 40, bytes.length]) {
        const parsed = parseJsonBytes(bytes, wholeBytes);
        expect(parsed).toStrictEqual(expected);
        expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
      }
    }
  });

  it("rejects what JSON.parse rejects, and accepts what it accepts, when bytes are cut, added or changed", () => {
    const next = seededIntegers(11);
    const noise = encoder.encode(' "\\,:[]{}0-e.tfn\n');
    let rejected = 0;
    for (let round = 0; round < 3000; round++) {
      const text = JSON.stringify([randomValue(next, 1), { a: randomValue(next, 1) }], null, next(2) * 2);
      const bytes = [...encoder.encode(text)];
      for (let edits = 1 + next(2); edits > 0; edits--) {
        const at = next(bytes.length + 1);
        const edit = next(3);
        if (edit === 0) bytes.splice(at, 1);
        else if (edit === 1) bytes.splice(at, 0, noise[next(noise.length)] ?? 0x20);
        else bytes[at] = noise[next(noise.length)] ?? 0x20;
      }
      const edited = Uint8Array.from(bytes);
      const expected = parsedOrError(() => JSON.parse(new TextDecoder().decode(edited)) as unknown);
      if ("error" in expected) rejected++;
      for (const wholeBytes of [1, 3, 16]) {
        expect(
          parsedOrError(() => parseJsonBytes(edited, wholeBytes)),
          text,
        ).toStrictEqual(expected);
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });

  it("says where a document split into members goes wrong", () => {
    const cases: [string, RegExp][] = [
      ['{"a": [1, 2}', /at byte/u],
      ['{"a": 1 "b": 2}', /Expected ','.* at byte 8/u],
      ['{"a": 1,}', /Expected a property name at byte 8/u],
      ["[1, 2] x", /after JSON at byte 7/u],
      ['["abc', /Unterminated string at byte 1/u],
      ["", /Unexpected end/u],
    ];
    for (const [text, message] of cases)
      expect(() => parseJsonBytes(encoder.encode(text), 1), text).toThrow(message);
  });

  it("skips a byte-order mark, as a text editor may have added one", () => {
    const bytes = encoder.encode('\uFEFF{"a": [1, {"b": "c"}]}');
    expect(parseJsonBytes(bytes)).toStrictEqual({ a: [1, { b: "c" }] });
    expect(parseJsonBytes(bytes, 1)).toStrictEqual({ a: [1, { b: "c" }] });
  });

  it("reads a Buffer's view without its neighbours in the pool", () => {
    const pooled = Buffer.from('xx[1, {"a": 2}]yy').subarray(2, 15);
    expect(parseJsonBytes(pooled, 2)).toStrictEqual([1, { a: 2 }]);
  });

  it("refuses nesting deeper than a report has, among containers too long to parse whole", () => {
    const deep = encoder.encode(`${"[".repeat(100)}1${"]".repeat(100)}`);
    expect(() => parseJsonBytes(deep, 1)).toThrow(/Too deeply nested/u);
    expect(parseJsonBytes(deep, 150)).toStrictEqual(JSON.parse(new TextDecoder().decode(deep)));
  });
});
