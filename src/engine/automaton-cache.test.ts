import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { afterEach, describe, expect, it } from "vitest";
import { buildAutomaton, StreamMatcher, type Automaton } from "../match/automaton.js";
import { compileNeedles, encodeTerm } from "../match/needles.js";
import { lendScanArena } from "../match/wasm-kernel.js";
import { cachedAutomaton } from "./automaton-cache.js";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function cacheFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "custodiet-automaton-cache-"));
  folders.push(folder);
  return folder;
}

function entries(folder: string): string[] {
  return readdirSync(folder).filter((name) => name.startsWith("automaton-") && name.endsWith(".bin"));
}

const terms = [
  { text: "EM_NATION_TYPE_UYGUR", caseInsensitive: false },
  { text: "skincolor", caseInsensitive: true },
  { text: "维族", caseInsensitive: false },
];

function matches(automaton: Automaton, haystack: Uint8Array): [number, number][] {
  const found: [number, number][] = [];
  new StreamMatcher(automaton).push(haystack, (id, offset) => found.push([id, offset]));
  return found;
}

describe("cachedAutomaton", () => {
  it("builds and stores an automaton, then reads back one that matches the same", () => {
    const folder = cacheFolder();
    const needles = compileNeedles(terms);
    const built = cachedAutomaton(needles, folder);
    expect(entries(folder)).toHaveLength(1);
    const read = cachedAutomaton(needles, folder);
    expect(read).toEqual(buildAutomaton(needles));
    expect(read.needles).toBe(needles);

    const haystack = new Uint8Array(randomBytes(300_000));
    haystack.set(encodeTerm("SkinColor", "utf-16le")!, 1000);
    haystack.set(encodeTerm("维族", "gb18030")!, 200_000);
    haystack.set(encodeTerm("EM_NATION_TYPE_UYGUR", "utf-8")!, 250_000);
    expect(matches(read, haystack)).toEqual(matches(built, haystack));
    expect(matches(read, haystack).length).toBeGreaterThanOrEqual(3);
  });

  it("reads the stored entry (shown by changing it) and builds again for other needles", () => {
    const folder = cacheFolder();
    const needles = compileNeedles(terms);
    cachedAutomaton(needles, folder);
    const [name] = entries(folder);
    const path = join(folder, name!);
    // The entry: header length, header (V8 format), then the arrays' bytes from an 8-byte boundary.
    const entry = readFileSync(path);
    const length = entry.readUInt32LE(0);
    const header = deserialize(entry.subarray(4, 4 + length)) as { values: { maxNeedleLength: number } };
    header.values.maxNeedleLength = 999;
    const changed = serialize(header);
    const align = (value: number): number => (value + 7) & ~7;
    const data = entry.subarray(align(4 + length));
    const rewritten = Buffer.alloc(align(4 + changed.length) + data.length);
    rewritten.writeUInt32LE(changed.length, 0);
    changed.copy(rewritten, 4);
    data.copy(rewritten, align(4 + changed.length));
    writeFileSync(path, rewritten);
    expect(cachedAutomaton(needles, folder).maxNeedleLength).toBe(999);

    const other = compileNeedles([...terms, { text: "hijab", caseInsensitive: true }]);
    expect(cachedAutomaton(other, folder)).toEqual(buildAutomaton(other));
    expect(entries(folder)).toHaveLength(2);
  });

  it("reads a large table straight into kernel memory, a scan arena's when one is lent", () => {
    const folder = cacheFolder();
    const many = compileNeedles(
      Array.from({ length: 80 }, (_, k) => ({
        text: `ATTRIBUTE_${k}_${"Z".repeat(k % 9)}`,
        caseInsensitive: true,
      })),
    );
    const built = cachedAutomaton(many, folder);
    const arena = lendScanArena(1 << 20)!;
    const read = cachedAutomaton(many, folder);
    expect(read).toEqual(built);
    // In the arena, after its reader region: the kernel scans from it without a copy.
    expect(read.transitions.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(read.transitions.byteOffset).toBeGreaterThanOrEqual(arena.base + arena.length);
    const haystack = new Uint8Array(randomBytes(200_000));
    haystack.set(encodeTerm("attribute_7_zzzzzzz", "utf-16le")!, 5000);
    haystack.set(encodeTerm("ATTRIBUTE_79_ZZZZZZZ", "utf-8")!, 150_000);
    expect(matches(read, haystack)).toEqual(matches(built, haystack));
    expect(matches(read, haystack).length).toBeGreaterThanOrEqual(2);
  });

  it("builds again over a damaged entry, and without a folder", () => {
    const folder = cacheFolder();
    const needles = compileNeedles(terms);
    cachedAutomaton(needles, folder);
    const path = join(folder, entries(folder)[0]!);
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    expect(cachedAutomaton(needles, folder)).toEqual(buildAutomaton(needles));
    expect(cachedAutomaton(needles, undefined)).toEqual(buildAutomaton(needles));
  });

  it("lets a cached pack's key stand for its needles when they come first, as the very same objects", () => {
    const folder = cacheFolder();
    const needles = compileNeedles(terms);
    const head = needles.slice(0, 2);
    cachedAutomaton(needles, folder);
    // Equal copies are not the pack's needles: every needle is hashed, as without a pack.
    const copies = head.map((needle) => ({ ...needle }));
    cachedAutomaton(needles, folder, { key: "pack-a", needles: copies });
    expect(entries(folder)).toHaveLength(1);
    expect(cachedAutomaton(needles, folder, { key: "pack-a", needles: head })).toEqual(
      buildAutomaton(needles),
    );
    expect(entries(folder)).toHaveLength(2);
    cachedAutomaton(needles, folder, { key: "pack-b", needles: head });
    expect(entries(folder)).toHaveLength(3);
  });
});
