import type { ScanProgress } from "../engine/scan.js";

function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]!}`;
}

/** One progress line: a bar over artifacts, bytes, files and rate. */
export function formatProgress(progress: ScanProgress, elapsedMs: number, width = 24): string {
  const ratio = progress.filesFound === 0 ? 0 : progress.filesDone / progress.filesFound;
  const filled = Math.round(ratio * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const rate = elapsedMs > 0 ? (progress.bytesDone / elapsedMs) * 1000 : 0;
  return `${bar} ${progress.filesDone}/${progress.filesFound} files  ${formatBytes(progress.bytesDone)}  ${formatBytes(rate)}/s  ${progress.findings} findings`;
}
