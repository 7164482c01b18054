// Writes dist/analyze/double-byte-tables.bin: the decoding of every GB18030 and Big5 two-byte sequence, made
// from the installed iconv-lite (see DOUBLE_BYTE_TABLES_FILE in src/analyze/window.ts). Run by `npm run build`
// after tsc; a scan without it fills the same tables from iconv-lite as it needs them.
import { writeFileSync } from "node:fs";

const window = await import("../dist/analyze/window.js");
const file = window.encodeDoubleByteTables();
writeFileSync(new URL(`../dist/analyze/${window.DOUBLE_BYTE_TABLES_FILE}`, import.meta.url), file);
