import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ByteSource } from "../model/bytes.js";
import { asBuffer, child, errorMessage, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { loadPdfJs } from "./pdfjs-loader.js";

/** pdf.js needs the whole document in memory; larger PDFs are scanned as raw bytes only. */
export const MAX_PDF_BYTES = 512 * 1024 * 1024;

const require = createRequire(import.meta.url);
let assets: { cMapUrl: string; standardFontDataUrl: string } | undefined;

function pdfAssets(): { cMapUrl: string; standardFontDataUrl: string } {
  if (assets === undefined) {
    const root = dirname(require.resolve("pdfjs-dist/package.json"));
    // In Node, pdf.js reads these with fs; they are directories with a trailing separator.
    assets = { cMapUrl: join(root, "cmaps") + "/", standardFontDataUrl: join(root, "standard_fonts") + "/" };
  }
  return assets;
}

/**
 * True for an error that pdf.js rejected one of its own promises with and left with no handler: pdf.js 5.4
 * fetches the objects of a page tree's kids ahead (Catalog.getPageDict) and never looks at those it does
 * not need, so a damaged kid it skipped (a page dictionary that never ends) rejects unobserved, after the
 * document was read or reported as damaged as usual. Node ends the process on an unhandled rejection; the
 * CLI and the scan's worker threads let these pass (`unhandledRejection`) and no others.
 */
export function isStrayPdfJsRejection(reason: unknown): boolean {
  return reason instanceof Error && /[\\/]pdfjs-dist[\\/]/u.test(reason.stack ?? "");
}

interface TextItemLike {
  readonly str?: string;
  readonly hasEOL?: boolean;
}

/** Joins the text items of one page; items are glued without separators so split CJK terms rejoin. */
export function joinTextItems(items: readonly TextItemLike[]): string {
  let text = "";
  for (const item of items) {
    if (typeof item.str === "string") text += item.str;
    if (item.hasEOL === true) text += "\n";
  }
  return text;
}

/**
 * pdf.js 5.4 keeps one page count for all the documents of a thread (its PagesMapper is a singleton): with
 * two documents open at once, each one's pages past the other's count fail with "Invalid page request"
 * (the PDFs of a Debian package's docs lost up to 44 of 51 pages). So a thread extracts one PDF at a time
 * (`oneAtATime`: the engine queues them, and each one's time budget starts when its turn comes).
 */
export async function* extractPdf(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  if (source.size > MAX_PDF_BYTES) {
    yield partial("too-large", `PDF text not extracted above ${MAX_PDF_BYTES} bytes; raw bytes scanned`);
    return;
  }
  const { getDocument, VerbosityLevel } = await loadPdfJs();
  // pdf.js may transfer (detach) the buffer it is given, so it gets its own copy.
  const read = await source.read(0, source.size);
  const data = new Uint8Array(read.length);
  data.set(read);
  const task = getDocument({
    data,
    ...pdfAssets(),
    cMapPacked: true,
    disableFontFace: true,
    useSystemFonts: false,
    isEvalSupported: false,
    verbosity: VerbosityLevel.ERRORS,
    stopAtErrors: false,
  });
  const onAbort = (): void => void task.destroy();
  context.signal.addEventListener("abort", onAbort, { once: true });
  try {
    let document;
    try {
      document = await task.promise;
    } catch (error) {
      const message = errorMessage(error);
      yield partial(
        /password/i.test(message) ? "encrypted" : "corrupt",
        `pdf.js could not open the PDF: ${message}`,
      );
      return;
    }
    const pages = document.numPages;
    const limit = Math.min(pages, context.budgets.maxMembers);
    let failed = 0;
    for (let number = 1; number <= limit; number += 1) {
      if (context.signal.aborted) {
        yield partial("budget-time", `time budget ran out at page ${number} of ${pages}`);
        return;
      }
      let text: string;
      try {
        const page = await document.getPage(number);
        const content = await page.getTextContent();
        text = joinTextItems(content.items as TextItemLike[]);
        page.cleanup();
      } catch {
        failed += 1;
        continue;
      }
      if (text.trim() === "") continue;
      yield child(
        `page-${number}.txt`,
        "pdf-text",
        { bytes: new TextEncoder().encode(text) },
        {
          element: `page ${number}`,
          leafOnly: true,
        },
      );
    }
    if (pages > limit) yield partial("budget-members", `text of ${limit} of ${pages} pages extracted`);
    if (failed > 0) yield partial("corrupt", `${failed} of ${limit} pages could not be read`);
  } finally {
    context.signal.removeEventListener("abort", onAbort);
    await task.destroy();
  }
}

const PDF_MAGIC_BUFFER = Buffer.from("%PDF-", "latin1");

/** `1.7`, `2.0`: a digit, a dot and a digit. */
function isVersion(major: number | undefined, dot: number | undefined, minor: number | undefined): boolean {
  const digit = (code: number | undefined) => code !== undefined && code >= 0x30 && code <= 0x39;
  return digit(major) && dot === 0x2e && digit(minor);
}

export const pdfExtractor = {
  name: "pdf",
  detect(head: Uint8Array) {
    // Native search: this runs once per artifact, too rarely for a JavaScript loop to get optimised. The
    // header must carry a version (`%PDF-1.7`): a Makefile's `grep "%PDF-1"` is no PDF.
    const start = asBuffer(head.subarray(0, 1024));
    for (let at = start.indexOf(PDF_MAGIC_BUFFER); at >= 0; at = start.indexOf(PDF_MAGIC_BUFFER, at + 1)) {
      if (isVersion(head[at + 5], head[at + 6], head[at + 7])) return true;
    }
    return false;
  },
  oneAtATime: true,
  extract: extractPdf,
} satisfies Extractor;
