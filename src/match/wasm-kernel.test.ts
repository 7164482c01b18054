import { describe, expect, it } from "vitest";
import {
  allocateKernelMemory,
  createKernel,
  lendScanArena,
  returnScanArena,
  WINDOW_BYTES,
} from "./wasm-kernel.js";

describe("scan arenas", () => {
  it("become the next kernel memory, with the table after the reader region", () => {
    const arena = lendScanArena(3 * WINDOW_BYTES)!;
    expect(arena.buffer).toBeInstanceOf(SharedArrayBuffer);
    const memory = allocateKernelMemory(1 << 16)!;
    expect(memory.arena).toBe(arena);
    expect(memory.tableBase).toBeGreaterThanOrEqual(arena.base + arena.length);
    expect(memory.scratchBase).toBeGreaterThanOrEqual(memory.tableBase + (1 << 18));
    // Taken once: the next kernel memory is a plain one.
    expect(allocateKernelMemory(1 << 16)!.arena).toBeUndefined();
    // Lent again once returned, before a new one is made: its kernel scans the next reader's bytes too.
    const other = lendScanArena(3 * WINDOW_BYTES)!;
    expect(other).not.toBe(arena);
    returnScanArena(arena);
    expect(lendScanArena(2 * WINDOW_BYTES)).toBe(arena);
    expect(lendScanArena(2 * WINDOW_BYTES)).not.toBe(arena);
    returnScanArena(other);
    expect(lendScanArena(4 * WINDOW_BYTES)).not.toBe(other); // too small
  });

  it("lets a kernel scan only bytes inside the reader region where they lie", () => {
    lendScanArena(WINDOW_BYTES + 100);
    const memory = allocateKernelMemory(1 << 16)!;
    // The arena it stands on: this one, or one the test above left lent and free of kernels.
    const arena = memory.arena!;
    const kernel = createKernel(memory, undefined)!;
    const end = arena.base + arena.length;
    // Views of the memory as made and as grown for the table: both alias the same bytes.
    const grown = memory.table.buffer;
    expect(grown).not.toBe(arena.buffer);
    for (const buffer of [arena.buffer, grown]) {
      expect(kernel.arenaAddress(new Uint8Array(buffer, arena.base, 10))).toBe(arena.base);
      expect(kernel.arenaAddress(new Uint8Array(buffer, end - 10, 10))).toBe(end - 10);
      expect(kernel.arenaAddress(new Uint8Array(buffer, arena.base, arena.length))).toBe(arena.base);
      // Past either end of the region, or in the table or the scratch window.
      expect(kernel.arenaAddress(new Uint8Array(buffer, end - 10, 11))).toBe(-1);
      expect(kernel.arenaAddress(new Uint8Array(buffer, arena.base - 1, 10))).toBe(-1);
      expect(kernel.arenaAddress(new Uint8Array(buffer, memory.tableBase, 10))).toBe(-1);
    }
    expect(kernel.arenaAddress(kernel.scratch)).toBe(-1);
    expect(kernel.arenaAddress(new Uint8Array(arena.length))).toBe(-1);
    expect(kernel.arenaAddress(new Uint8Array(new SharedArrayBuffer(end), arena.base, 10))).toBe(-1);
  });
});
