export { compileNeedles, encodeTerm, type Needle, type TermSpec } from "./needles.js";
export {
  automatonByteSize,
  buildAutomaton,
  shareAutomaton,
  StreamMatcher,
  giveMatcher,
  takeMatcher,
  type Automaton,
  type MatchListener,
} from "./automaton.js";
export { lendScanArena, returnScanArena, WINDOW_BYTES } from "./wasm-kernel.js";
