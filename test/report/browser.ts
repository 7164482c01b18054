import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's chromium; .ci/run installs it. */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Whether browser tests run here. Without chromium they are skipped with a message, except in CI, where a
 * missing browser must fail the run rather than hide a skipped security test.
 */
export function browserAvailability(): { readonly run: boolean; readonly reason: string } {
  if (existsSync(CHROMIUM_PATH)) return { run: true, reason: "" };
  if (process.env["CI"] !== undefined && process.env["CI"] !== "") {
    return { run: true, reason: `CI is set but ${CHROMIUM_PATH} is missing` };
  }
  return {
    run: false,
    reason: `skipped: ${CHROMIUM_PATH} not found (apt-get install -y chromium); in CI this test runs`,
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
