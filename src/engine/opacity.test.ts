import { describe, expect, it } from "vitest";
import { memorySource } from "../sources/byte-source.js";
import { seededBytes } from "../../test/random.js";
import type { ByteSource } from "../model/bytes.js";
import { OPAQUE_MIN_BYTES, entropy, opaqueContent, sampleRandomness } from "./opacity.js";

const MB = 1 << 20;
const judge = (bytes: Uint8Array) => opaqueContent(memorySource(bytes), bytes.subarray(0, 65536));

describe("entropy", () => {
  it("is 0 for one repeated byte, 8 for every byte value equally often", () => {
    expect(entropy(new Uint8Array(4096))).toBe(0);
    expect(entropy(Uint8Array.from({ length: 4096 }, (_, k) => k & 0xff))).toBeCloseTo(8, 10);
    expect(
      entropy(new TextEncoder().encode("typedef enum { RACE_BLACK, RACE_WHITE } EM_RACE_TYPE;")),
    ).toBeLessThan(5);
  });
});

describe("opaque content", () => {
  it("names a random-looking blob (an encrypted firmware)", async () => {
    expect(await judge(seededBytes(1, 2 * MB))).toMatch(
      /^random-looking throughout: 7\.9\d bits per byte in 32 samples/u,
    );
  });

  it("leaves alone a blob with a stretch in clear, media, and small blobs", async () => {
    // A firmware whose last tenth is a string table or padding is not opaque.
    const partly = seededBytes(2, 2 * MB);
    partly.fill(0x41, Math.floor(partly.length * 0.85));
    expect(await judge(partly)).toBeUndefined();
    // A JPEG or a video is compressed by design.
    const jpeg = seededBytes(3, MB);
    jpeg.set([0xff, 0xd8, 0xff, 0xe0]);
    expect(await judge(jpeg)).toBeUndefined();
    const mp4 = seededBytes(4, MB);
    mp4.set([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70]);
    expect(await judge(mp4)).toBeUndefined();
    expect(await judge(seededBytes(5, OPAQUE_MIN_BYTES - 1))).toBeUndefined();
    expect(await judge(seededBytes(6, OPAQUE_MIN_BYTES))).toBeDefined();
  });
});

describe("random samples", () => {
  /** A memory source that counts its reads. */
  const counted = (bytes: Uint8Array): { source: ByteSource; reads: () => number } => {
    const inner = memorySource(bytes);
    let reads = 0;
    return {
      source: {
        ...inner,
        read: (offset, length) => {
          reads++;
          return inner.read(offset, length);
        },
      },
      reads: () => reads,
    };
  };

  it("tell a blob random in one half from one in clear throughout, which takes four reads", async () => {
    const half = seededBytes(7, 2 * MB);
    half.fill(0x41, 0, MB);
    const judged = await sampleRandomness(memorySource(half), half.subarray(0, 65536), 0.5);
    expect(judged?.share).toBeCloseTo(0.5, 1);
    expect(judged?.samples).toBe(32);
    const text = new TextEncoder().encode(
      "typedef enum { RACE_BLACK, RACE_WHITE } EM_RACE_TYPE;\n".repeat(40_000),
    );
    const { source, reads } = counted(text);
    expect(await sampleRandomness(source, text.subarray(0, 65536), 0.5)).toBeUndefined();
    expect(reads()).toBe(4);
  });
});
