import { describe, expect, it } from "vitest";
import { formatProgress } from "./progress.js";

describe("progress line", () => {
  it("shows a bar, files, bytes, rate and findings", () => {
    const line = formatProgress(
      { filesDone: 5, filesFound: 10, bytesDone: 2_500_000_000, findings: 3 },
      2000,
      10,
    );
    expect(line).toBe("█████░░░░░ 5/10 files  2.5 GB  1.3 GB/s  3 findings");
  });

  it("does not divide by zero at the start", () => {
    expect(formatProgress({ filesDone: 0, filesFound: 0, bytesDone: 0, findings: 0 }, 0, 4)).toBe(
      "░░░░ 0/0 files  0 B  0 B/s  0 findings",
    );
  });
});
