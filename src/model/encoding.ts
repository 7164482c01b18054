/** The byte encodings every literal is compiled into. The haystack is never decoded as a whole. */
export const ENCODINGS = ["utf-8", "utf-16le", "utf-16be", "gb18030", "big5"] as const;
export type Encoding = (typeof ENCODINGS)[number];
