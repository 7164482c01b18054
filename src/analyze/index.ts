export { analyzeBytes, analyzeHits, type Detection } from "./analyzer.js";
export { findScope, prepareScopeContext, type Scope, type ScopeContext } from "./scope-finder.js";
export { coversWholeTokens, isBoundaryAt, tokenize, tokenSpans } from "./tokenizer.js";
export { decodeWindow, charIndexAt, type DecodedWindow } from "./window.js";
