/**
 * Turns: extractions that may not overlap within a thread (see `Extractor.oneAtATime`) wait here for the
 * ones queued before them. The engine takes the turn before it starts the artifact's time budget, so a
 * container's budget counts its own extraction, not the time it spent in the queue.
 */

/** Per name, the end of the last turn queued in this thread. */
const queues = new Map<string, Promise<void>>();

/**
 * Waits until every turn queued before under `name` has ended, and returns the function that ends this one
 * (call it exactly once, also on failure). When `stop` aborts during the wait, this throws its reason; the
 * turns queued after this one still wait for those before it.
 */
export async function takeTurn(name: string, stop?: AbortSignal): Promise<() => void> {
  const before = queues.get(name) ?? Promise.resolve();
  let end!: () => void;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  const last = before.then(() => ended);
  queues.set(name, last);
  // Forget the queue once it runs empty, so names do not pile up.
  void last.then(() => {
    if (queues.get(name) === last) queues.delete(name);
  });
  if (stop === undefined) await before;
  else {
    let onAbort!: () => void;
    const aborted = new Promise<"stopped">((resolve) => {
      onAbort = () => {
        resolve("stopped");
      };
      if (stop.aborted) onAbort();
      else stop.addEventListener("abort", onAbort, { once: true });
    });
    try {
      if (stop.aborted || (await Promise.race([before, aborted])) === "stopped") {
        end();
        stop.throwIfAborted();
      }
    } finally {
      stop.removeEventListener("abort", onAbort);
    }
  }
  return end;
}
