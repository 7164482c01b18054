import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

type PdfJs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");

const require = createRequire(import.meta.url);

/** A property of a built-in as it was: where it lives, its key and its descriptor. */
interface SavedProperty {
  readonly owner: object;
  readonly key: PropertyKey;
  readonly descriptor: PropertyDescriptor;
}

/** The global objects, and the prototypes of constructors and iterators, whose own methods a polyfill may swap. */
function builtinOwners(): object[] {
  const owners = new Set<object>();
  const add = (value: unknown): void => {
    if ((typeof value === "object" && value !== null) || typeof value === "function") owners.add(value);
  };
  for (const key of Reflect.ownKeys(globalThis)) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, key);
    // A lazy getter (Node's TextDecoder, AbortSignal …) is not called: reading it would load its module.
    if (descriptor === undefined || !("value" in descriptor)) continue;
    const value: unknown = descriptor.value;
    if (typeof value === "function") {
      add(value);
      add((value as { prototype?: unknown }).prototype);
    } else if (typeof value === "object" && value !== null && value !== globalThis) {
      add(value); // JSON, Math, Reflect, Atomics, Intl
    }
  }
  add(Object.getPrototypeOf(Uint8Array)); // %TypedArray%
  add(Object.getPrototypeOf(Uint8Array.prototype));
  const arrayIterator: unknown = Object.getPrototypeOf([][Symbol.iterator]());
  add(arrayIterator);
  add(Object.getPrototypeOf(arrayIterator)); // %IteratorPrototype%
  add(globalThis);
  return [...owners];
}

function saveDataProperties(): SavedProperty[] {
  const saved: SavedProperty[] = [];
  for (const owner of builtinOwners()) {
    for (const key of Reflect.ownKeys(owner)) {
      const descriptor = Object.getOwnPropertyDescriptor(owner, key);
      if (descriptor !== undefined && "value" in descriptor) saved.push({ owner, key, descriptor });
    }
  }
  return saved;
}

/**
 * Puts back every built-in method that was swapped for another since `saved` was taken, and returns their
 * names. Methods that were added (`Promise.withResolvers` on Node 20) stay: the loaded code needs them.
 */
function restoreReplaced(saved: readonly SavedProperty[]): string[] {
  const restored: string[] = [];
  for (const { owner, key, descriptor } of saved) {
    const now = Object.getOwnPropertyDescriptor(owner, key);
    if (now !== undefined && "value" in now && Object.is(now.value, descriptor.value)) continue;
    if (typeof descriptor.value !== "function" || now?.configurable !== true) continue;
    Object.defineProperty(owner, key, descriptor);
    restored.push(String(key));
  }
  return restored;
}

/**
 * Runs `load` and then undoes any built-in method it replaced. pdf.js's legacy build bundles core-js, which
 * on Node 20 replaces `Array.prototype.push` with a JavaScript function (for the error a frozen array's
 * length should throw), `JSON.parse` and `Function.prototype.toString`, for the whole thread. Every `push`
 * in the scan then went through the polyfill: ~3 s of the main thread's time in a scan of 211 Debian packages.
 */
export async function withBuiltinsKept<T>(load: () => Promise<T>): Promise<{ value: T; restored: string[] }> {
  const saved = saveDataProperties();
  try {
    const value = await load();
    return { value, restored: restoreReplaced(saved) };
  } catch (error) {
    restoreReplaced(saved);
    throw error;
  }
}

let loaded: Promise<PdfJs> | undefined;

/**
 * pdf.js for this thread, loaded once with the built-ins it replaces put back. Its worker module is loaded here
 * too, into this thread (pdf.js uses `globalThis.pdfjsWorker` when it is set): left to pdf.js, the worker's
 * own copy of core-js would replace them again on the first document.
 */
export function loadPdfJs(): Promise<PdfJs> {
  loaded ??= withBuiltinsKept(async () => {
    const workerUrl = pathToFileURL(require.resolve("pdfjs-dist/legacy/build/pdf.worker.mjs")).href;
    await import(workerUrl);
    return import("pdfjs-dist/legacy/build/pdf.mjs");
  }).then(({ value }) => value);
  return loaded;
}
