export declare const MARKER: string;
export declare const ENUM_TEXT: string;
export declare const SQUASHFS_COMPRESSIONS: readonly string[];
export declare function libfaceBytes(): Buffer;
export declare function crc32(bytes: Uint8Array): number;
export declare function zip64(files: [string, Uint8Array][]): Buffer;
export declare function tar(entries: [string, Uint8Array | null, Record<string, string>?][]): Buffer;
export declare function cpioNewc(entries: [string, Uint8Array | string, { symlink?: boolean }?][]): Buffer;
export declare function ar(entries: [string, Uint8Array][]): Buffer;
export declare function asarPickle(json: string, data?: Uint8Array): Buffer;
export declare function asarArchive(
  entries: [string, Uint8Array | { link: string } | { unpacked: true; size: number }][],
): Buffer;
export declare function mbrDisk(partitions: [type: number, bytes: Uint8Array][]): Buffer;
export declare function gptDisk(partitions: [name: string, bytes: Uint8Array][]): Buffer;
export declare function vhdDynamic(disk: Uint8Array): Buffer;
export declare function androidSparse(image: Uint8Array): Buffer;
export declare function udifImage(image: Uint8Array, name?: string): Buffer;
export declare function rar4(files: [string, Uint8Array][]): Buffer;
export declare function uImage(
  payload: Uint8Array,
  name?: string,
  type?: number,
  compression?: number,
): Buffer;
export declare function peProgram(options: {
  text: Uint8Array;
  resource: Uint8Array;
  overlay?: Uint8Array;
  dosTable?: number;
}): Buffer;
export declare function innoSetupInstaller(options: {
  version?: string;
  text: Uint8Array;
  dataBytes?: number;
  filled?: boolean;
}): Buffer;
export declare function xarArchive(files: [string, Uint8Array, "zlib" | "none"][]): Buffer;
export declare function pbzxStream(chunkSize: number, chunks: [number, Uint8Array][]): Buffer;
export declare function hfsPlusImage(files: [string, Uint8Array][], volumeName?: string): Buffer;
export declare function zstdRaw(data: Uint8Array): Buffer;
export declare function quotedPrintable(text: string): string;
export declare function base64Lines(bytes: Uint8Array): string;
export declare function mimeMessage(
  headers: string[],
  parts: [type: string, encoding: string, body: string, ...extra: string[]][],
  multipart: string,
  boundary?: string,
): Buffer;
export declare function dex(strings: string[]): Buffer;
export declare function arsc(globalStrings: string[], keyStrings: string[]): Buffer;
export declare function pdf(pages: (string | string[])[]): Buffer;
export declare function ooxml(kind: "docx" | "xlsx" | "pptx"): Buffer;
export declare function dahuaPatch(zip: Uint8Array): Buffer;
export declare function hasTool(name: string): boolean;
export declare function sevenZip(dir: string, args: string[]): Promise<string>;
export declare function buildFixtures(
  outDir: string,
): Promise<{ made: Record<string, string>; missing: string[] }>;
export declare function zipBomb(
  mebibytes?: number,
  options?: { declaredSize?: number; name?: string },
): Buffer;
export declare function singleMemberZip(
  name: string,
  data: Uint8Array,
  method: number,
  crc: number,
  size: number,
): Buffer;
export declare function nestedBomb(levels?: number, fanout?: number, bottomMebibytes?: number): Buffer;
export declare function nestedZip(depth?: number): Buffer;
export declare function crc32OfZeros(n: number): number;
export declare function chm(files: Record<string, string | Uint8Array>): Buffer;
export declare function binaryXml(strings: string[]): Buffer;
export declare const JFFS2_ENUM_AT: number;
export declare function jffs2PageFile(): Buffer;
export declare const UBIFS_COMPRESSIONS: readonly string[];
export declare const UBIFS_ENUM_AT: number;
export declare function ubifsLibBytes(): Buffer;
export declare function buildUbifsFixtures(outDir: string): {
  made: Record<string, string>;
  missing: string[];
};
export declare const FLASH_OFFSETS: Readonly<Record<string, number>>;
export declare function withSpareAreas(bytes: Uint8Array, page?: number, spare?: number): Buffer;
export declare function buildFlashDumps(
  outDir: string,
  ubifs?: { made: Record<string, string>; missing: string[] },
): {
  made: Record<string, string>;
  missing: string[];
};
export declare function lz4LinkedText(): Buffer;
