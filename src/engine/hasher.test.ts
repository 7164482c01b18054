import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildAutomaton, compileNeedles, StreamMatcher, WINDOW_BYTES } from "../match/index.js";
import { inlineHasher, MIN_THREADED_BYTES, prestartHashThread, threadedHasher } from "./hasher.js";
import { hashesOnThread } from "./threads.js";

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

  it("wait for a digest with the event loop turning", async () => {
    expect(await threaded.ready).toBe(true);
    const data = randomBytes(4 << 20);
    // 48 MiB take the hashing thread tens of milliseconds, so the event loop turns before the digest is in;
    // a digest waited for synchronously is in before this thread can turn, every time. (A few tries: on a
    // loaded machine this thread may be held up until the hashing is done.)
    let turned = false;
    for (let attempt = 0; attempt < 5 && !turned; attempt++) {
      const stream = threaded.create(48 << 20);
      for (let index = 0; index < 12; index++) stream.update(data);
      const pending = stream.digestAsync();
      turned = await Promise.race([
        pending.then(() => false),
        new Promise<boolean>((resolve) => {
          setImmediate(() => {
            resolve(true);
          });
        }),
      ]);
      expect(await pending).toBe(sha(Buffer.concat(Array.from({ length: 12 }, () => data))));
    }
    expect(turned).toBe(true);
    expect(await inlineHasher().create(10).digestAsync()).toBe(sha(new Uint8Array(0)));
  });

  it("keep each awaited digest its own while other streams go on past the ring's size", async () => {
    expect(await threaded.ready).toBe(true);
    const data = randomBytes(4 << 20);
    const first = threaded.create(48 << 20);
    // Opened while the hashing thread is idle, so that they are hashed there too.
    const opened = Array.from({ length: 40 }, () => threaded.create(2 << 20));
    expect(opened.every((stream) => stream.threaded)).toBe(true);
    for (let index = 0; index < 12; index++) first.update(data);
    const pending = first.digestAsync();
    // Meanwhile 40 more streams end: more records than the ring holds, so the first digest's record is used
    // again before its waiter reads it (unless the hashing thread was done before this line).
    const others: Promise<string>[] = [];
    for (const [index, other] of opened.entries()) {
      other.update(data.subarray(index, index + (1 << 20) + index));
      others.push(other.digestAsync());
    }
    expect(await pending).toBe(sha(Buffer.concat(Array.from({ length: 12 }, () => data))));
    const digests = await Promise.all(others);
    digests.forEach((digest, index) => {
      expect(digest).toBe(sha(data.subarray(index, index + (1 << 20) + index)));
    });
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

  it("hash chunks read into lent shared buffers without mixing them up, interleaved with copied ones", async () => {
    expect(await threaded.ready).toBe(true);
    const a = randomBytes(29 << 20);
    const b = randomBytes((9 << 20) + 5);
    const streamA = threaded.create(a.length);
    const streamB = threaded.create(b.length);
    const buffers = streamA.buffers!;
    const chunk = 3 << 20;
    for (let at = 0; at < a.length; at += chunk) {
      const piece = a.subarray(at, at + chunk);
      const lent = buffers.acquire(piece.length);
      expect(lent?.buffer).toBeInstanceOf(SharedArrayBuffer);
      lent!.set(piece);
      streamA.update(lent!);
      // Already handed over: this time the bytes are copied, so B gets them too.
      if (at < b.length) streamB.update(b.subarray(at, at + chunk));
      // Released at once and overwritten by whoever gets it next: A's bytes must have been hashed first.
      buffers.release(lent!);
      const next = buffers.acquire(chunk);
      next?.fill(0xee);
      if (next) buffers.release(next);
    }
    expect(streamA.digest()).toBe(sha(a));
    expect(streamB.digest()).toBe(sha(b));
  });

  it("hash a lent buffer given twice or in part like node:crypto", async () => {
    expect(await threaded.ready).toBe(true);
    const data = randomBytes(4 << 20);
    const stream = threaded.create(data.length * 2);
    const lent = stream.buffers!.acquire(data.length)!;
    lent.set(data);
    stream.update(lent.subarray(100));
    stream.update(lent);
    stream.update(lent.subarray(0, 100));
    stream.buffers!.release(lent);
    expect(stream.digest()).toBe(sha(Buffer.concat([data.subarray(100), data, data.subarray(0, 100)])));
  });

  it("keep hashing copies, without waiting forever, while every buffer it can lend is held", async () => {
    expect(await threaded.ready).toBe(true);
    const stream = threaded.create(1 << 30);
    const held: Uint8Array[] = [];
    for (
      let lent = stream.buffers!.acquire(1 << 20);
      lent !== undefined;
      lent = stream.buffers!.acquire(1 << 20)
    ) {
      held.push(lent);
      // A hasher that lends without bound fails here instead of hanging below.
      expect(held.length).toBeLessThan(1000);
    }
    expect(held.length).toBeGreaterThan(0);
    const data = randomBytes(40 << 20);
    for (let at = 0; at < data.length; at += 4 << 20) stream.update(data.subarray(at, at + (4 << 20)));
    expect(stream.digest()).toBe(sha(data));
    for (const lent of held) stream.buffers!.release(lent);
    expect(threaded.create(1 << 30).buffers!.acquire(1 << 20)).toBeDefined();
  });

  it("open a long stream on the hashing thread once it runs, a short one here at once", async () => {
    const hasher = threadedHasher();
    const data = randomBytes(3 << 20);
    const long = await hasher.open(data.length);
    expect(long.threaded).toBe(true);
    long.update(data);
    const short = await hasher.open(1000);
    expect(short.threaded).toBe(false);
    short.update(data.subarray(0, 1000));
    expect(long.digest()).toBe(sha(data));
    expect(short.digest()).toBe(sha(data.subarray(0, 1000)));
    await hasher.close();
    expect((await hasher.open(data.length)).threaded).toBe(false);
  });

  it("agree with node:crypto when a long stream starts while the hashing thread is far behind", async () => {
    // Ten 4 MiB copies are queued faster than they are hashed, so the next long stream is usually hashed in
    // this thread instead of waiting (which of the two happens depends on timing; the digests may not).
    const hasher = threadedHasher();
    const data = randomBytes(4 << 20);
    const first = await hasher.open(40 << 20);
    for (let index = 0; index < 10; index++) first.update(data);
    const second = await hasher.open(8 << 20);
    second.update(data);
    second.update(data.subarray(0, 1 << 20));
    expect(second.digest()).toBe(sha(Buffer.concat([data, data.subarray(0, 1 << 20)])));
    expect(first.digest()).toBe(sha(Buffer.concat(Array.from({ length: 10 }, () => data))));
    await hasher.close();
  });

  it("fail loudly, not hang, once closed", async () => {
    const hasher = threadedHasher();
    expect(hasher.create(1 << 30).threaded).toBe(false);
    await hasher.ready;
    const stream = hasher.create(1 << 30);
    expect(stream.threaded).toBe(true);
    stream.update(new Uint8Array(10));
    const lent = stream.buffers!.acquire(10)!;
    await hasher.close();
    expect(() => {
      stream.update(new Uint8Array(10));
    }).toThrow(/closed/u);
    expect(() => {
      stream.update(lent);
    }).toThrow(/closed/u);
    // Nothing more is lent; the reader reads into its own buffers.
    expect(stream.buffers!.acquire(10)).toBeUndefined();
    stream.buffers!.release(lent);
  });
});

describe("reads on the hashing thread", () => {
  const hasher = threadedHasher();
  afterAll(() => hasher.close());
  const folder = mkdtempSync(join(tmpdir(), "custodiet-hasher-"));
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it("lend buffers that the next automaton's kernel scans where they lie, with the same matches", async () => {
    const own = threadedHasher();
    try {
      expect(await own.ready).toBe(true);
      const stream = own.create(1 << 30);
      const words = Array.from({ length: 60 }, (_, k) => `EM_NATION_TYPE_${k}_${"X".repeat(k % 7)}`);
      const automaton = buildAutomaton(
        compileNeedles(words.map((text) => ({ text, caseInsensitive: false }))),
      );
      const data = new Uint8Array(randomBytes(3 * WINDOW_BYTES + 777));
      const planted = [
        0,
        100,
        WINDOW_BYTES - 5,
        WINDOW_BYTES + 131_000,
        2 * WINDOW_BYTES + 65_000,
        data.length - 40,
      ];
      for (const [k, at] of planted.entries()) data.set(new TextEncoder().encode(words[k * 7]), at);
      const matches = (chunks: Uint8Array[]): string[] => {
        const matcher = new StreamMatcher(automaton);
        const found: string[] = [];
        for (const chunk of chunks) matcher.push(chunk, (id, at) => found.push(`${id}@${at}`));
        return found;
      };
      const copies = [data.slice(0, 2 * WINDOW_BYTES), data.slice(2 * WINDOW_BYTES)];
      const expected = matches(copies);
      expect(expected.length).toBeGreaterThanOrEqual(planted.length);
      const lent = copies.map((copy) => {
        const buffer = stream.buffers!.acquire(copy.length)!;
        buffer.set(copy);
        return buffer;
      });
      // The lent memory is the kernel's: a byte written there shows through the table's buffer.
      lent[0]![0] = 0x41;
      expect(new Uint8Array(automaton.transitions.buffer, lent[0]!.byteOffset, 1)[0]).toBe(0x41);
      lent[0]![0] = copies[0]![0]!;
      expect(matches(lent)).toEqual(expected);
      for (const buffer of lent) stream.update(buffer);
      expect(stream.digest()).toBe(sha(data));
      for (const buffer of lent) stream.buffers!.release(buffer);
    } finally {
      await own.close();
    }
  });

  it("read a file's bytes into a lent buffer, at any position, and hash them there", async () => {
    expect(await hasher.ready).toBe(true);
    const data = randomBytes(3 << 20);
    const path = join(folder, "plain");
    writeFileSync(path, data);
    // Past 4 GiB (a sparse file): the position travels in two 32-bit halves.
    const far = join(folder, "sparse");
    const farAt = 2 ** 32 + 12_345;
    const fd = openSync(path, "r");
    const farFd = openSync(far, "w+");
    try {
      writeSync(farFd, data.subarray(0, 1000), 0, 1000, farAt);
      const stream = hasher.create(1 << 30);
      const buffers = stream.buffers!;
      const lent = buffers.acquire(1 << 20)!;
      expect(await buffers.read!(fd, lent, 5)).toBe(1 << 20);
      expect(Buffer.compare(lent, data.subarray(5, 5 + (1 << 20)))).toBe(0);
      stream.update(lent);
      buffers.release(lent);
      const tail = buffers.acquire(1 << 20)!;
      // Short at the end of the file, nothing past it.
      expect(await buffers.read!(fd, tail, data.length - 10)).toBe(10);
      expect(Buffer.compare(tail.subarray(0, 10), data.subarray(data.length - 10))).toBe(0);
      expect(await buffers.read!(fd, tail, data.length)).toBe(0);
      expect(await buffers.read!(farFd, tail, farAt - 1)).toBe(1001);
      expect(tail[0]).toBe(0);
      expect(Buffer.compare(tail.subarray(1, 1001), data.subarray(0, 1000))).toBe(0);
      buffers.release(tail);
      expect(stream.digest()).toBe(sha(data.subarray(5, 5 + (1 << 20))));
    } finally {
      closeSync(fd);
      closeSync(farFd);
    }
  });

  it("leave reads it cannot do to the caller: a failed read, a buffer it did not lend or already holds", async () => {
    expect(await hasher.ready).toBe(true);
    const path = join(folder, "small");
    writeFileSync(path, randomBytes(1000));
    const fd = openSync(path, "r");
    try {
      const stream = hasher.create(1 << 30);
      const buffers = stream.buffers!;
      const lent = buffers.acquire(1000)!;
      // A closed file descriptor: the caller reads again and sees the error itself.
      expect(await buffers.read!(2 ** 30, lent, 0)).toBeUndefined();
      expect(await buffers.read!(fd, new Uint8Array(1000), 0)).toBeUndefined();
      expect(await buffers.read!(fd, lent, 0)).toBe(1000);
      stream.update(lent);
      // Handed over to be hashed: no read may land in it now.
      expect(await buffers.read!(fd, lent, 0)).toBeUndefined();
      buffers.release(lent);
      stream.dispose();
    } finally {
      closeSync(fd);
    }
  });

  it("lend without waiting only a buffer that is free now", async () => {
    expect(await hasher.ready).toBe(true);
    const stream = hasher.create(1 << 30);
    const held: Uint8Array[] = [];
    for (
      let lent = stream.buffers!.acquire(1, false);
      lent !== undefined;
      lent = stream.buffers!.acquire(1, false)
    ) {
      held.push(lent);
      expect(held.length).toBeLessThan(1000);
    }
    expect(held.length).toBeGreaterThan(0);
    for (const lent of held) stream.buffers!.release(lent);
    expect(stream.buffers!.acquire(1, false)).toBeDefined();
    stream.dispose();
  });
});

describe("reads while the hashing thread is behind", () => {
  it("leave reads to the reader while chunks wait to be hashed, and take them again once it has caught up", async () => {
    const hasher = threadedHasher();
    expect(await hasher.ready).toBe(true);
    const folder = mkdtempSync(join(tmpdir(), "custodiet-hasher-"));
    const path = join(folder, "data");
    const data = randomBytes(1 << 16);
    writeFileSync(path, data);
    const fd = openSync(path, "r");
    try {
      const stream = hasher.create(1 << 30);
      const buffers = stream.buffers!;
      const lent = buffers.acquire(1 << 16)!;
      // Forty MiB to hash: the hashing thread is behind for a while.
      const busy = hasher.create(1 << 30);
      const copy = randomBytes(4 << 20);
      for (let index = 0; index < 10; index++) busy.update(copy);
      expect(await buffers.read!(fd, lent, 0)).toBeUndefined();
      expect(busy.digest()).toBe(sha(Buffer.concat(Array.from({ length: 10 }, () => copy))));
      expect(await buffers.read!(fd, lent, 0)).toBe(data.length);
      expect(Buffer.compare(lent, data)).toBe(0);
      buffers.release(lent);
      stream.dispose();
    } finally {
      closeSync(fd);
      rmSync(folder, { recursive: true, force: true });
      await hasher.close();
    }
  });
});

describe("a hashing thread started ahead", () => {
  it("is taken by the next hasher, which hashes on it at once; the one after starts its own", async () => {
    expect(await prestartHashThread()).toBe(true);
    const first = threadedHasher();
    const second = threadedHasher();
    try {
      const stream = first.create(MIN_THREADED_BYTES);
      expect(stream.threaded).toBe(true);
      const data = randomBytes(MIN_THREADED_BYTES);
      stream.update(data);
      expect(await stream.digestAsync()).toBe(sha(data));
      // Its own thread is only starting: this stream is hashed here.
      expect(second.create(MIN_THREADED_BYTES).threaded).toBe(false);
      expect(await second.ready).toBe(true);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("is wanted with two cores per job, when an input is a folder or a file of 256 KiB or more", () => {
    const folder = mkdtempSync(join(tmpdir(), "custodiet-hasher-"));
    try {
      writeFileSync(join(folder, "small"), randomBytes(1000));
      writeFileSync(join(folder, "large"), randomBytes(MIN_THREADED_BYTES));
      const on = { cwd: folder, jobs: 1, hashThread: true };
      expect(hashesOnThread({ ...on, paths: ["small"] })).toBe(false);
      expect(hashesOnThread({ ...on, paths: ["small", "large"] })).toBe(true);
      expect(hashesOnThread({ ...on, paths: ["."] })).toBe(true);
      expect(hashesOnThread({ ...on, paths: ["missing"] })).toBe(true);
      expect(hashesOnThread({ ...on, paths: ["."], hashThread: false })).toBe(false);
      // One per scanning thread, when there are two cores per job.
      expect(hashesOnThread({ cwd: folder, paths: ["."], jobs: 2 })).toBe(availableParallelism() >= 4);
      expect(hashesOnThread({ cwd: folder, paths: ["."], jobs: 4096 })).toBe(false);
      expect(hashesOnThread({ cwd: folder, paths: ["."], jobs: 4096, hashThread: true })).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
