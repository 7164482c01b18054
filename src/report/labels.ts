import type { CoverageReason } from "../model/coverage.js";
import type { Encoding } from "../model/encoding.js";
import type { LocationLayer } from "../model/location.js";
import type { Basis, Category, Severity } from "../model/rule.js";

/** Human labels for the coded values of the model; every reporter takes its words from here. */
export const CATEGORY_LABELS = {
  ethnicity: "Ethnicity",
  race: "Race",
  "skin-colour": "Skin colour",
  religion: "Religion",
  "political-opinion": "Political opinion",
  "trade-union": "Trade-union membership",
  "sex-life-or-orientation": "Sex life or sexual orientation",
} as const satisfies Record<Category, string>;

/** The attribute as a noun phrase, for sentences ("… encodes a person's ethnicity"). */
export const CATEGORY_NOUNS = {
  ethnicity: "a person's ethnicity",
  race: "a person's race",
  "skin-colour": "a person's skin colour",
  religion: "a person's religion",
  "political-opinion": "a person's political opinion",
  "trade-union": "a person's trade-union membership",
  "sex-life-or-orientation": "a person's sex life or sexual orientation",
} as const satisfies Record<Category, string>;

export const BASIS_LABELS = {
  inferred: "Inferred from face, body or voice",
  "id-document": "Read from an ID document",
  reserved: "Declared, marked not enabled",
  "profiling-data": "Stored in person records",
} as const satisfies Record<Basis, string>;

export const BASIS_TEXTS = {
  inferred:
    "Inferred: the software appears to classify this attribute from a face, body or voice, that is, to assign it to a person it sees or hears.",
  "id-document":
    "From an ID document: the attribute appears to be read from an identity card or by OCR, not inferred from the person's appearance.",
  reserved:
    "Reserved: the attribute is declared in the interface but marked as reserved or not yet enabled; the capability may be switched on later.",
  "profiling-data":
    "Profiling data: person records appear to carry this attribute as a field or flag, whatever its source.",
} as const satisfies Record<Basis, string>;

export const SEVERITY_LABELS = {
  info: "Info",
  low: "Low",
  medium: "Medium",
  high: "High",
  critical: "Critical",
} as const satisfies Record<Severity, string>;

/** From least to most severe; the index is the rank. */
export const SEVERITY_ORDER: readonly Severity[] = ["info", "low", "medium", "high", "critical"];

export function severityRank(severity: Severity): number {
  return SEVERITY_ORDER.indexOf(severity);
}

export const ENCODING_LABELS = {
  "utf-8": "UTF-8",
  "utf-16le": "UTF-16LE",
  "utf-16be": "UTF-16BE",
  gb18030: "GB18030 (GBK)",
  big5: "Big5",
} as const satisfies Record<Encoding, string>;

export const COVERAGE_REASON_LABELS = {
  "too-large": "larger than the size limit (--max-file-size)",
  unreadable: "could not be read",
  "permission-denied": "permission denied",
  "not-a-regular-file": "not a regular file",
  "symlink-outside-root": "symbolic link leading outside the scanned folder",
  "symlink-loop": "symbolic link loop",
  encrypted: "encrypted",
  "unknown-format": "unknown format",
  corrupt: "corrupt",
  unsupported: "unsupported format",
  "budget-depth": "nested too deep (--max-depth)",
  "budget-total-bytes": "over the total extraction budget (--max-expanded)",
  "budget-ratio": "suspicious compression ratio",
  "budget-members": "too many members",
  "budget-time": "took too long",
  duplicate: "duplicate of another scanned artifact",
  excluded: "left out on purpose",
  interrupted: "the scan was stopped",
} as const satisfies Record<CoverageReason, string>;

/** The display of one layer: its path, with the document element or carve offset when present. */
/**
 * How a layer was made, for people: the layers that are their parent's text read another way say so;
 * containers name their format.
 */
const VIA_TEXTS: Readonly<Record<string, string>> = {
  "html-text": "the page's text, tags dropped and character references decoded",
  unescaped: "the text with its escapes decoded (\\uXXXX, &#N;, \\xHH, %HH)",
  "data-uri": "the content of a data: URI in the text, decoded from base64",
  sourcemap: "a source the map holds, as written (from its sourcesContent)",
  har: "a body the web capture holds: a response, or a request's posted data",
  "mime-text": "the message's body, decoded from quoted-printable or base64",
  mime: "a part of the message: an attachment or a saved resource",
  "rtf-text": "the document's text, its escapes decoded",
  "pdf-text": "the PDF's text",
  "ooxml-text": "the document's text",
  "dex-strings": "the DEX file's string table",
  "arsc-strings": "the resource string table",
  carve: "carved out of its parent",
  mbr: "a partition of the disk (MBR partition table)",
  dmg: "a partition of the Apple disk image, decompressed",
  gpt: "a partition of the disk (GUID partition table)",
  vhd: "the disk the virtual hard disk holds",
  "android-sparse": "the image the Android sparse image holds",
  pbzx: "the package payload's compressed chunks, joined into one xz stream",
  xar: "a file of the xar archive (macOS installer package)",
};

export function viaText(via: string): string {
  return VIA_TEXTS[via] ?? `extracted via ${via}`;
}

export function layerLabel(layer: LocationLayer): string {
  const carved = layer.carvedAt === undefined ? "" : ` @0x${layer.carvedAt.toString(16)}`;
  const element = layer.element === undefined ? "" : ` (${layer.element})`;
  return `${layer.path}${carved}${element}`;
}

/** Entries of a partial count record in the canonical order of `order`, zero counts left out. */
export function orderedCounts<K extends string>(
  counts: Readonly<Partial<Record<K, number>>>,
  order: readonly K[],
): [K, number][] {
  const out: [K, number][] = [];
  for (const key of order) {
    const value = counts[key];
    if (value !== undefined && value > 0) out.push([key, value]);
  }
  return out;
}

/** Splits lower-case hex into byte pairs; ignores a trailing odd nibble. */
export function hexBytes(hex: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < hex.length; i += 2) out.push(hex.slice(i, i + 2).toLowerCase());
  return out;
}

/** The printable-ASCII view of bytes as in `hexdump -C`: other bytes become ".". */
export function asciiColumn(bytes: readonly string[]): string {
  return bytes
    .map((pair) => {
      const code = Number.parseInt(pair, 16);
      return code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : ".";
    })
    .join("");
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit] ?? "TiB"}`;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
