import { describe, expect, it } from "vitest";
import { loadPdfJs, withBuiltinsKept } from "./pdfjs-loader.js";

// Taken before pdf.js is loaded in this file's thread.
const own = (owner: object, key: string): unknown => Object.getOwnPropertyDescriptor(owner, key)?.value;
const push = own(Array.prototype, "push");
const parse = own(JSON, "parse");
const functionToString = own(Function.prototype, "toString");

describe("loading pdf.js", () => {
  it("keeps the built-ins its core-js replaces, and keeps what it adds", async () => {
    const pdfjs = await loadPdfJs();
    expect(typeof pdfjs.getDocument).toBe("function");
    expect(own(Array.prototype, "push")).toBe(push);
    expect(own(JSON, "parse")).toBe(parse);
    expect(own(Function.prototype, "toString")).toBe(functionToString);
    // pdf.js's own code needs this on Node 20; it was added, not swapped.
    expect(typeof own(Promise, "withResolvers")).toBe("function");
    // The worker module ran in this thread, so pdf.js will not load it (and its core-js) again.
    expect(
      (globalThis as { pdfjsWorker?: { WorkerMessageHandler?: unknown } }).pdfjsWorker?.WorkerMessageHandler,
    ).toBeDefined();
    expect(await loadPdfJs()).toBe(pdfjs);
  });

  it("puts back a swapped method on a prototype and on a namespace, and reports them", async () => {
    const includes = Object.getOwnPropertyDescriptor(Array.prototype, "includes");
    const max = Object.getOwnPropertyDescriptor(Math, "max");
    const { value, restored } = await withBuiltinsKept(() => {
      Object.defineProperty(Array.prototype, "includes", { ...includes, value: () => true });
      Object.defineProperty(Math, "max", { ...max, value: () => 0 });
      Object.defineProperty(Math, "custodietAdded", { value: () => 1, configurable: true, writable: true });
      return Promise.resolve(7);
    });
    try {
      expect(value).toBe(7);
      expect(restored.sort()).toEqual(["includes", "max"]);
      expect([1].includes(2)).toBe(false);
      expect(Math.max(1, 3)).toBe(3);
      expect((Math as unknown as { custodietAdded: () => number }).custodietAdded()).toBe(1);
    } finally {
      Reflect.deleteProperty(Math, "custodietAdded");
    }
  });

  it("puts them back when the load fails", async () => {
    const at = Object.getOwnPropertyDescriptor(Array.prototype, "at");
    await expect(
      withBuiltinsKept(() => {
        Object.defineProperty(Array.prototype, "at", { ...at, value: () => "swapped" });
        return Promise.reject(new Error("no such module"));
      }),
    ).rejects.toThrow("no such module");
    expect([4, 5].at(-1)).toBe(5);
  });
});
