import type { ByteSource } from "../model/bytes.js";
import { ContainerBudget, child, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, PartialNotice } from "./extractor.js";

/**
 * Reading a JSON document that holds other files' content as strings (a source map's sources, a web
 * capture's response bodies): parsed whole, within a size bound, and the labels of what it holds.
 */

/** The document's value, or the notice to yield when it is too large or not JSON. */
export async function readJsonDocument(
  source: ByteSource,
  maxBytes: number,
  what: string,
): Promise<{ value: unknown } | { notice: PartialNotice }> {
  if (source.size > maxBytes)
    return {
      notice: partial(
        "too-large",
        `${what} of ${source.size} bytes: over ${maxBytes} bytes, what it holds is not taken apart (its bytes are scanned as they are)`,
      ),
    };
  const bytes = await source.read(0, source.size);
  // Decoded in place (no copy of the bytes first): a capture may weigh a hundred megabytes.
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
  // A BOM, and the guard line some servers put before JSON (`)]}'`), are not JSON.
  if (text.startsWith("\ufeff")) text = text.slice(1);
  if (text.startsWith(")]}")) text = text.slice(text.indexOf("\n") + 1);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      notice: partial(
        "corrupt",
        `not a valid ${what}: ${error instanceof Error ? error.message : String(error)}`,
      ),
    };
  }
}

/** The longest name kept as a label. */
const MAX_LABEL = 512;

/**
 * Labels for the files a document holds: control characters shown as `?`, long names cut, and a second
 * file of one name told apart as `name (2)`.
 */
export class LabelMaker {
  private readonly seen = new Map<string, number>();

  label(name: string): string {
    const clean = name.replace(/[\u0000-\u001f\u007f]/gu, "?");
    const cut = clean.length > MAX_LABEL ? `${clean.slice(0, MAX_LABEL)}…` : clean;
    const times = (this.seen.get(cut) ?? 0) + 1;
    this.seen.set(cut, times);
    return times === 1 ? cut : `${cut} (${times})`;
  }
}

/** `value` as an object with string keys, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A file a JSON document holds. */
export interface HeldFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Where in the document it comes from ("response 200, application/json"). */
  readonly element?: string;
}

/**
 * Parses the document (see readJsonDocument) and yields the files `held` finds in it as children of `via`,
 * labelled (see LabelMaker), within the container's budgets.
 */
export async function* extractJsonDocument(
  source: ByteSource,
  context: ExtractContext,
  options: {
    readonly via: string;
    readonly what: string;
    readonly maxBytes: number;
    readonly held: (document: unknown) => Iterable<HeldFile>;
  },
): AsyncGenerator<ExtractEvent> {
  const read = await readJsonDocument(source, options.maxBytes, options.what);
  if ("notice" in read) {
    yield read.notice;
    return;
  }
  const budget = new ContainerBudget(context, options.via);
  const labels = new LabelMaker();
  for (const { name, bytes, element } of options.held(read.value)) {
    if (context.signal.aborted) {
      yield partial("budget-time", `the files of the ${options.what} were taken out in part only`);
      return;
    }
    const label = labels.label(name);
    const refused = budget.admit(label, bytes.length);
    if (refused !== undefined) {
      yield refused;
      if (refused.reason === "budget-members") return;
      continue;
    }
    budget.written += bytes.length;
    yield child(label, options.via, { bytes }, element === undefined ? {} : { element });
  }
}
