import { createHash, randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { inlineHasher, threadedHasher } from "./hasher.js";

const sha = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

describe("hashers", () => {
  const threaded = threadedHasher();
  afterAll(() => threaded.close());

  it("hash like node:crypto in this thread", () => {
    const data = randomBytes(5000);
    const stream = inlineHasher().create(data.length);
    stream.update(data.subarray(0, 100));
    stream.update(data.subarray(100));
    expect(stream.digest()).toBe(sha(data));
  });

  it("hash large interleaved streams on the hashing thread like node:crypto", async () => {
    expect(await threaded.ready).toBe(true);
    // Bigger than the ring (4 slots of 2 MiB), chunks that straddle slot sizes, two streams interleaved.
    const a = randomBytes(11 << 20);
    const b = randomBytes((3 << 20) + 17);
    const empty = new Uint8Array(0);
    const streamA = threaded.create(a.length);
    expect(streamA.threaded).toBe(true);
    const streamB = threaded.create(b.length);
    const streamEmpty = threaded.create(1 << 30);
    const dropped = threaded.create(1 << 30);
    dropped.update(a.subarray(0, 1000));
    for (let at = 0, size = 1; at < Math.max(a.length, b.length); at += size, size = size * 3 + 7) {
      if (at < a.length) streamA.update(a.subarray(at, at + size));
      if (at < b.length) streamB.update(b.subarray(at, at + size));
    }
    dropped.dispose();
    expect(streamB.digest()).toBe(sha(b));
    expect(streamEmpty.digest()).toBe(sha(empty));
    expect(streamA.digest()).toBe(sha(a));
  });

  it("hash small streams in this thread and still agree", () => {
    const data = randomBytes(1000);
    const stream = threaded.create(data.length);
    expect(stream.threaded).toBe(false);
    stream.update(data);
    expect(stream.digest()).toBe(sha(data));
  });

  it("hash in this thread until the hashing thread runs (starting it needs this thread's event loop)", () => {
    const hasher = threadedHasher();
    const stream = hasher.create(1 << 30);
    const data = randomBytes(3 << 20);
    stream.update(data);
    expect(stream.threaded).toBe(false);
    expect(stream.digest()).toBe(sha(data));
    return hasher.close();
  });

  it("fail loudly, not hang, once closed", async () => {
    const hasher = threadedHasher();
    expect(hasher.create(1 << 30).threaded).toBe(false);
    await hasher.ready;
    const stream = hasher.create(1 << 30);
    expect(stream.threaded).toBe(true);
    stream.update(new Uint8Array(10));
    await hasher.close();
    expect(() => {
      stream.update(new Uint8Array(10));
    }).toThrow(/closed/u);
  });
});
