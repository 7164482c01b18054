import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffReports } from "../../src/findings/diff.js";
import { formatDiffHtml } from "../../src/report/diff-reporter.js";
import { formatHtml } from "../../src/report/html-reporter.js";
import { browserAvailability, launchChromium } from "./browser.js";
import { sampleReport, xssReport, XSS_PAYLOADS } from "./sample-report.js";

const availability = browserAvailability();
if (!availability.run) console.warn(`html-xss.test.ts ${availability.reason}`);

interface PageWatch {
  readonly dialogs: string[];
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly requests: string[];
}

/** Opens an HTML string from a file:// URL and records every dialog, console error, page error and request. */
async function openReport(
  browser: Browser,
  html: string,
  dir: string,
  name: string,
): Promise<[Page, PageWatch]> {
  const file = join(dir, name);
  await writeFile(file, html);
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const watch: PageWatch = { dialogs: [], consoleErrors: [], pageErrors: [], requests: [] };
  page.on("dialog", (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") watch.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => watch.pageErrors.push(error.message));
  page.on("request", (request) => watch.requests.push(request.url()));
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: "load" });
  // Give event handlers (onerror of a broken image, onload of an svg) the chance to run if they exist.
  await page.waitForTimeout(300);
  watch.requests.splice(watch.requests.indexOf(url), 1);
  return [page, watch];
}

describe.skipIf(!availability.run)("HTML report in headless Chromium", () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await launchChromium();
    dir = await mkdtemp(join(tmpdir(), "custodiet-html-"));
  });

  afterAll(async () => {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs no script from hostile names and contents, and shows each payload as text", async () => {
    const [page, watch] = await openReport(browser, formatHtml(xssReport()), dir, "xss.html");
    // Page code is passed as strings: the test program has no DOM types.
    const flags = {
      xss: await page.evaluate("window.__xss"),
      scripts: await page.locator("script").count(),
      handlers: await page.locator("[onerror],[onload],[onclick]").count(),
    };
    expect(flags).toEqual({ xss: undefined, scripts: 0, handlers: 0 });
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.requests).toEqual([]);
    expect(await page.locator("iframe, img, object, embed").count()).toBe(0);
    const text = await page.locator("body").innerText();
    for (const payload of XSS_PAYLOADS) {
      expect(text).toContain(`MATCH ${payload}`);
      expect(text).toContain(`evil/${payload}.zip`);
      expect(text).toContain(`detail ${payload}`);
    }
    // javascript: references from a hostile rule are text, never links.
    const links = page.locator("a");
    const hrefs: string[] = [];
    for (let index = 0; index < (await links.count()); index++)
      hrefs.push((await links.nth(index).getAttribute("href")) ?? "");
    expect(hrefs.filter((href) => !/^(?:https?:\/\/|#finding-\d+$)/u.test(href))).toEqual([]);
    await page.close();
  });

  it("the HTML diff runs no script either", async () => {
    const old = xssReport();
    const next = sampleReport();
    const html = formatDiffHtml({ diff: diffReports(old, next), old, new: next });
    const [page, watch] = await openReport(browser, html, dir, "diff.html");
    expect(await page.evaluate("window.__xss")).toBeUndefined();
    expect(await page.locator("script").count()).toBe(0);
    expect([...watch.dialogs, ...watch.pageErrors, ...watch.consoleErrors, ...watch.requests]).toEqual([]);
    const text = await page.locator("body").innerText();
    for (const payload of XSS_PAYLOADS) expect(text).toContain(`MATCH ${payload}`);
    await page.close();
  });

  it("the XSS check can fail: an unescaped payload is caught", async () => {
    const html = formatHtml(sampleReport()).replace("</main>", `${XSS_PAYLOADS[1]}</main>`);
    // The CSP alone would block the handler; drop it to prove the watch itself sees a script run.
    const unsafe = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/u, "");
    const [page] = await openReport(browser, unsafe, dir, "unsafe.html");
    expect(await page.evaluate("window.__xss")).toBe(2);
    await page.close();
  });

  it("renders the sample report with every finding and the coverage section, no errors", async () => {
    const report = sampleReport();
    const [page, watch] = await openReport(browser, formatHtml(report), dir, "sample.html");
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.requests).toEqual([]);
    expect(await page.locator("article.card").count()).toBe(report.findings.length);
    expect(await page.locator("#coverage").isVisible()).toBe(true);
    // The inline stylesheet is allowed by its hash: the cards get their style.
    const radius = await page.evaluate(
      'getComputedStyle(document.querySelector("article.card")).borderRadius',
    );
    expect(radius).toBe("10px");
    const text = await page.locator("body").innerText();
    expect(text).toContain("sdk/tools/update.zip");
    expect(text).toContain("维族(新疆)");
    const shots = process.env["CUSTODIET_SCREENSHOT_DIR"];
    if (shots !== undefined && shots !== "") {
      mkdirSync(shots, { recursive: true });
      writeFileSync(join(shots, "report.html"), formatHtml(report));
      await page.screenshot({ path: join(shots, "report-top.png") });
      await page.screenshot({ path: join(shots, "report-full.png"), fullPage: true });
      await page.pdf({ path: join(shots, "report.pdf"), format: "A4", printBackground: true });
    }
    await page.close();
  });
});
