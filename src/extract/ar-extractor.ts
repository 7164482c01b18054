import type { ByteSource } from "../model/bytes.js";
import { ContainerBudget, ascii, partial, startsWith, storedMember } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

/**
 * Unix ar archives: `.deb` packages, static libraries (`.a`) and Windows import libraries (`.lib`), read here
 * rather than by 7-Zip: each member is a range of the archive, so it keeps its offset in the report, and a
 * `.deb` costs no 7-Zip worker, temp folder or copy of members that fit in memory.
 *
 * A member is a 60-byte header (name 16, date 12, owner 6, group 6, mode 8, size 10, then "`\n") and its
 * data, padded to an even offset. Names follow one of two conventions:
 * - System V / GNU: `name/`; a longer name is `/N`, N the offset of `name/\n` in the `//` member; `/` and
 *   `/SYM64/` are symbol tables (a Windows `.lib` has two `/` members);
 * - BSD and macOS: `#1/N`, the name being the first N bytes of the data (counted in the size); the symbol
 *   table is `__.SYMDEF` (`__.SYMDEF SORTED`, `__.SYMDEF_64`).
 * Symbol tables and the name table are not members: their bytes are scanned as the archive's own.
 */
const MAGIC = ascii("!<arch>\n");
/** A thin archive lists its members' paths; their data stays in files outside it. */
const THIN_MAGIC = ascii("!<thin>\n");
const HEADER = 60;
/** Longer names than this are not believed (a damaged `#1/N` or name table). */
const MAX_NAME_BYTES = 4096;
const NAME_TABLE_LIMIT = 16 * 1024 * 1024;

export interface ArHeader {
  /** The name field as stored, spaces trimmed. */
  readonly rawName: string;
  readonly size: number;
}

/** Parses a member header, or returns why it is not one. */
export function parseArHeader(header: Uint8Array): ArHeader | string {
  if (header.length < HEADER) return "the member header is cut off";
  if (header[58] !== 0x60 || header[59] !== 0x0a) return 'the member header does not end in "`\\n"';
  const rawName = latin1(header.subarray(0, 16)).trimEnd();
  const sizeText = latin1(header.subarray(48, 58)).trim();
  if (!/^\d{1,10}$/u.test(sizeText))
    return `the member size is not a decimal number (${JSON.stringify(sizeText)})`;
  return { rawName, size: Number(sizeText) };
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

const isSymbolTable = (name: string): boolean =>
  name === "/" ||
  name === "/SYM64/" ||
  name === "__.SYMDEF" ||
  name.startsWith("__.SYMDEF ") ||
  name.startsWith("__.SYMDEF_64");

/** The name `/N` stands for in the name table: up to `/\n` (GNU), `\n` (System V) or NUL (Windows). */
function tableName(table: Uint8Array | undefined, offset: number): string | undefined {
  if (table === undefined || offset >= table.length) return undefined;
  let end = offset;
  while (end < table.length && table[end] !== 0x0a && table[end] !== 0) end += 1;
  if (end - offset > MAX_NAME_BYTES) return undefined;
  let name = utf8(table.subarray(offset, end));
  if (name.endsWith("/")) name = name.slice(0, -1);
  return name === "" ? undefined : name;
}

/** Padding read at most at the end of an archive; a longer tail is not taken for padding. */
const MAX_PADDING = 64 * 1024;

async function onlyPaddingFrom(source: ByteSource, position: number): Promise<boolean> {
  if (source.size - position > MAX_PADDING) return false;
  const tail = await source.read(position, source.size - position);
  return tail.every((byte) => byte === 0 || byte === 0x0a);
}

export async function* extractAr(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "ar");
  const magic = await source.read(0, MAGIC.length);
  const thin = startsWith(magic, THIN_MAGIC);
  let nameTable: Uint8Array | undefined;
  let nameTableMissed = false;
  let position = MAGIC.length;
  while (position < source.size) {
    if (context.signal.aborted) {
      yield partial("budget-time", `time budget of ${context.budgets.maxMillisPerArtifact} ms ran out`);
      return;
    }
    // A single newline may pad the archive's end (some writers pad the last member twice).
    if (position + 1 === source.size && (await source.read(position, 1))[0] === 0x0a) return;
    const parsed = parseArHeader(await source.read(position, HEADER));
    if (typeof parsed === "string") {
      // Zeros (or newlines) to the end pad the archive out to a block, as in a firmware image; anything
      // else is damage, and the bytes from there were scanned only as the archive's own.
      if (!(await onlyPaddingFrom(source, position)))
        yield partial("corrupt", `${parsed} at offset ${position}`);
      return;
    }
    const dataStart = position + HEADER;
    let { rawName } = parsed;
    let { size } = parsed;
    // Where the next header starts: data padded to an even offset.
    position = dataStart + size + (size % 2);
    if (rawName === "//") {
      nameTable = await source.read(dataStart, Math.min(size, NAME_TABLE_LIMIT));
      continue;
    }
    if (isSymbolTable(rawName)) continue;
    let offset = dataStart;
    let name: string | undefined;
    const bsd = /^#1\/(\d{1,6})$/u.exec(rawName);
    if (bsd !== null) {
      const length = Number(bsd[1]);
      if (length > size || length > MAX_NAME_BYTES) {
        yield partial(
          "corrupt",
          `member name of ${length} bytes is longer than its member at offset ${dataStart - HEADER}`,
        );
        return;
      }
      name = utf8(await source.read(dataStart, length)).replace(/\0+$/u, "");
      offset += length;
      size -= length;
      rawName = name;
      if (isSymbolTable(name)) continue;
    } else if (/^\/\d+$/u.test(rawName)) {
      name = tableName(nameTable, Number(rawName.slice(1)));
      if (name === undefined) {
        if (!nameTableMissed)
          yield partial("corrupt", `member name ${rawName} is not in the archive's name table`);
        nameTableMissed = true;
        name = rawName;
      }
    } else {
      name = rawName.endsWith("/") ? rawName.slice(0, -1) : rawName;
    }
    if (name === "") name = `member-at-${dataStart - HEADER}`;
    if (thin) {
      // In a thin archive the size is the outside file's; no data follows the header.
      position = dataStart;
      yield budget.skip(
        name,
        "not-a-regular-file",
        "member of a thin archive: its data is a file outside the archive",
      );
      continue;
    }
    if ((yield* storedMember(source, context, budget, "ar", name, offset, size)) === "stop") return;
  }
}

export const arExtractor = {
  name: "ar",
  detect(head: Uint8Array) {
    return startsWith(head, MAGIC) || startsWith(head, THIN_MAGIC);
  },
  extract: extractAr,
} satisfies Extractor;
