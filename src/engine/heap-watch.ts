import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

/** Whether the heap can take more of a scan's ledger. */
export interface HeapWatch {
  /** Why the scan must take no more artifacts, or undefined while the heap has room. */
  full(): string | undefined;
  close(): void;
}

/**
 * Watches this thread's heap for a scan: full once what survives a full collection passes `share` of the
 * heap's limit. The heap in use between collections holds garbage too (twice the live size is common), so
 * it stops a scan only halfway between `share` and the limit, should no full collection have come first.
 */
export function watchHeap(share: number): HeapWatch {
  const start = getHeapStatistics();
  const limit = start.heap_size_limit;
  // Until the first full collection: what is in use now, garbage and all.
  let live = start.used_heap_size;
  let collected = false;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        live = getHeapStatistics().used_heap_size;
        collected = true;
        return;
      }
  });
  observer.observe({ entryTypes: ["gc"] });
  const backstop = share + (1 - share) / 2;
  return {
    full() {
      const used = getHeapStatistics().used_heap_size;
      if (live <= share * limit && used <= backstop * limit) return undefined;
      const mb = (bytes: number) => Math.round(bytes / 1e6);
      const held = collected
        ? `kept ${mb(live)} MB after its last full collection (${mb(used)} MB in use)`
        : `had ${mb(used)} MB in use`;
      return `its memory was full: the JavaScript heap ${held} of the ${mb(limit)} MB it may have, as the report keeps an entry for every artifact; scan fewer inputs at a time, or give Node a larger heap (NODE_OPTIONS=--max-old-space-size=MB)`;
    },
    close() {
      observer.disconnect();
    },
  };
}
