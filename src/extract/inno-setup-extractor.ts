import type { ByteSource } from "../model/bytes.js";
import { ascii, partial, startsWith, viewOf } from "./child-writer.js";
import type { Extractor, ExtractEvent } from "./extractor.js";
import { findResource, peLayout, startsAsProgram, type PeLayout } from "./pe.js";

/**
 * Inno Setup installers (the `setup.exe` of many Windows clients and tools). Their files sit compressed
 * (LZMA, LZMA2 or zlib) in Inno Setup's own block layout, whose headers change with nearly every version;
 * custodiet does not unpack them. What it does: tell such an installer apart from other programs, scan its
 * bytes as any binary's (the setup program itself), and record that the files it installs were not
 * searched, naming the tool that unpacks them, rather than let "no findings" stand for "nothing there".
 *
 * An installer is the setup loader followed by its data. The loader finds the data through an offset table:
 * in the RCDATA resource 11111 since Inno Setup 5.1.5, before that at the file offset named at 0x30 after
 * the magic `Inno`. The table starts with an id (`rDlPtS…` or `nS5W7dT…`) and holds the data's offsets; the
 * setup data starts with its version, `Inno Setup Setup Data (6.4.0.1)`. The loader program alone holds a
 * table of zeros, and other programs none.
 */

const RT_RCDATA = 10;
const OFFSET_TABLE_RESOURCE = 11111;
const OLD_TABLE_MAGIC = ascii("Inno");
const TABLE_IDS = [ascii("rDlPtS"), ascii("nS5W7dT")];
const SETUP_DATA_ID = ascii("Inno Setup Setup Data (");
/** The setup data's version field: 64 bytes, the id and the version in parentheses, zero-padded. */
const VERSION_FIELD = 64;
/** Bytes of the offset table read: the id and the offset fields of every known layout. */
const TABLE_BYTES = 64;

interface InnoSetup {
  /** "6.4.0.1", or undefined when the setup data's version was not found. */
  readonly version?: string;
  /** Where the setup data starts in the file. */
  readonly dataOffset?: number;
}

/** The offset table's place in the file: the resource, or (before 5.1.5) the one named at 0x30. */
async function offsetTable(
  head: Uint8Array,
  source: ByteSource,
  layout: PeLayout,
): Promise<number | undefined> {
  if (startsWith(head, OLD_TABLE_MAGIC, 0x30) && head.length >= 0x3c) {
    const view = viewOf(head);
    const offset = view.getUint32(0x34, true);
    // The loader checks the offset against its complement, stored beside it.
    if ((offset ^ view.getUint32(0x38, true)) === -1 && offset < source.size) return offset;
  }
  return (await findResource(source, layout, RT_RCDATA, OFFSET_TABLE_RESOURCE))?.offset;
}

/** The setup data's version string at `offset`, or undefined when no setup data starts there. */
async function setupDataVersion(source: ByteSource, offset: number): Promise<string | undefined> {
  if (offset <= 0 || offset + VERSION_FIELD > source.size) return undefined;
  const field = await source.read(offset, VERSION_FIELD);
  if (!startsWith(field, SETUP_DATA_ID)) return undefined;
  const text = String.fromCharCode(...field.subarray(SETUP_DATA_ID.length));
  return /^[\d.]+(?:[a-z]\d*)?/u.exec(text)?.[0] ?? "";
}

/** What makes this PE an Inno Setup installer, or undefined when it is not one. */
export async function innoSetup(head: Uint8Array, source: ByteSource): Promise<InnoSetup | undefined> {
  const layout = peLayout(head);
  // The data follows the loader's image: a file without bytes after its image holds none.
  if (layout === undefined || layout.imageEnd >= source.size) return undefined;
  const at = await offsetTable(head, source, layout);
  if (at === undefined) return undefined;
  const table = await source.read(at, TABLE_BYTES);
  const knownId = TABLE_IDS.some((id) => startsWith(table, id));
  // The setup data's offset is one of the table's fields; which one depends on the version, so each field
  // that could point into the file is tried (a 64-bit field reads as its low half and a zero).
  const view = viewOf(table);
  for (let field = 12; field + 4 <= table.length; field += 4) {
    const offset = view.getUint32(field, true);
    if (offset < layout.imageEnd || offset >= source.size) continue;
    const version = await setupDataVersion(source, offset);
    if (version !== undefined) return { ...(version === "" ? {} : { version }), dataOffset: offset };
  }
  return knownId ? {} : undefined;
}

function describe(setup: InnoSetup, size: number): string {
  const which =
    setup.version === undefined ? "Inno Setup installer" : `Inno Setup ${setup.version} installer`;
  const data =
    setup.dataOffset === undefined
      ? ""
      : ` (its data: ${size - setup.dataOffset} bytes from offset ${setup.dataOffset})`;
  return (
    `${which}: the files it installs are compressed inside it${data} in Inno Setup's own layout, which custodiet ` +
    `does not unpack, so only the setup program itself was searched; unpack it with innoextract ` +
    `(innoextract -e setup.exe) and scan the folder it writes`
  );
}

export const innoSetupExtractor = {
  name: "inno-setup",
  // Answered at once for what is no Windows program: detection asks every artifact.
  detect: (head: Uint8Array, source: ByteSource) =>
    startsAsProgram(head) && innoSetup(head, source).then((setup) => setup !== undefined),
  async *extract(source: ByteSource): AsyncGenerator<ExtractEvent> {
    const head = await source.read(0, 64 * 1024);
    const setup = await innoSetup(head, source);
    yield partial("unsupported", describe(setup ?? {}, source.size));
  },
} satisfies Extractor;
