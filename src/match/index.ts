export { compileNeedles, encodeTerm, type Needle, type TermSpec } from "./needles.js";
export { buildAutomaton, StreamMatcher, type Automaton, type MatchListener } from "./automaton.js";
