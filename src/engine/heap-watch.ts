import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";

/** Whether the heap can take more of a scan's ledger. */
export interface HeapWatch {
  /** Why the scan must take no more artifacts, or undefined while the heap has room. */
  full(): string | undefined;
  close(): void;
}

/**
 * What `heap_size_limit` holds beyond the old generation's limit (--max-old-space-size): the young
 * generation's three semi-spaces of 16 MiB (Node 20, 64-bit). V8 gives up when the old generation, where the
 * ledger lives, reaches its own limit: 80 MiB of old space report a heap limit of 128 MiB.
 */
const YOUNG_GENERATION_RESERVE = 48 * 1024 * 1024;

/** Bytes in use in the old generation: every space but the young generation's. */
function oldGenerationUsed(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics())
    if (space.space_name !== "new_space" && space.space_name !== "new_large_object_space")
      used += space.space_used_size;
  return used;
}

/**
 * Watches this thread's heap for a scan: full once what survives a full collection in the old generation
 * passes `share` of its limit. What is in use between collections holds garbage too (twice the live size
 * is common), so it stops a scan only halfway between `share` and the limit, should no full collection
 * have come first.
 */
export function watchHeap(share: number): HeapWatch {
  const { heap_size_limit: heapLimit } = getHeapStatistics();
  const limit = Math.max(heapLimit / 2, heapLimit - YOUNG_GENERATION_RESERVE);
  // Until the first full collection: what is in use now, garbage and all.
  let live = oldGenerationUsed();
  let collected = false;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        live = oldGenerationUsed();
        collected = true;
        return;
      }
  });
  observer.observe({ entryTypes: ["gc"] });
  const backstop = share + (1 - share) / 2;
  return {
    full() {
      // The whole heap's use, cheap to read, bounds the old generation's.
      if (live <= share * limit && getHeapStatistics().used_heap_size <= backstop * limit) return undefined;
      const used = oldGenerationUsed();
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
