import { getHeapStatistics } from "node:v8";
import { scan } from "../dist/engine/scan.js";
import { formatSarifPieces } from "../dist/report/sarif-reporter.js";
import { formatJsonPieces } from "../dist/report/json-reporter.js";
const mb = () => { gc(); return Math.round(getHeapStatistics().used_heap_size / 1e6); };
const base = mb();
const r = await scan({ paths: [process.argv[2]], jobs: 1, maxHeapShare: 1 });
const after = mb();
console.log("entries", r.coverage.length, "base", base, "after scan", after, "per entry", Math.round((after - base) * 1e6 / r.coverage.length));
let peak = 0, n = 0;
for (const p of formatJsonPieces(r)) { if (++n % 5000 === 0) peak = Math.max(peak, getHeapStatistics().used_heap_size); }
console.log("json peak", Math.round(peak / 1e6));
peak = 0; n = 0;
for (const p of formatSarifPieces(r)) { if (++n % 5000 === 0) peak = Math.max(peak, getHeapStatistics().used_heap_size); }
console.log("sarif peak (sampled)", Math.round(peak / 1e6), "limit", Math.round(getHeapStatistics().heap_size_limit / 1e6));
