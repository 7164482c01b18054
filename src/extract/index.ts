export type * from "./extractor.js";
export { DEFAULT_BUDGETS, detectFormat, extractors, type ExtractorName } from "./registry.js";
export { runSevenZip, type SevenZipResult } from "./seven-zip.js";
export { patchDahuaToZip } from "./dahua-extractor.js";
