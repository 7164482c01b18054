import { createHash } from "node:crypto";
import { escapeHtml } from "./sanitize.js";

/**
 * The shared page of the HTML report and the HTML diff: one self-contained file, inline CSS allowed by its
 * hash only, no script, no external request (the CSP says so to the browser as well).
 */
export const REPORT_CSS = `
:root {
  --ink: #1c1f24; --muted: #5b6472; --line: #d9dde3; --paper: #ffffff; --wash: #f4f5f7;
  --critical: #7a1020; --high: #c0262d; --medium: #b35c00; --low: #2458b3; --info: #5b6472;
  --mark: #ffe08a; --accent: #0f4c5c;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; background: var(--wash); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "PingFang SC",
    "Microsoft YaHei", "Liberation Sans", sans-serif;
}
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 64px; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Noto Sans Mono CJK SC", monospace; font-size: 13px; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 17px; margin: 0; }
p { margin: 8px 0; }
.masthead { border-bottom: 1px solid var(--line); padding-bottom: 16px; margin-bottom: 8px; }
.eyebrow { text-transform: uppercase; letter-spacing: 0.12em; font-size: 12px; color: var(--accent); font-weight: 700; }
.meta { color: var(--muted); font-size: 13px; }
.meta > span { white-space: nowrap; margin-right: 16px; }
.intro { background: var(--paper); border-left: 4px solid var(--accent); padding: 12px 16px; margin: 16px 0; }
.lead { font-size: 19px; line-height: 1.45; margin: 4px 0 16px; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin: 16px 0; }
.stat { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.stat b { display: block; font-size: 30px; line-height: 1.1; }
.stat.alert b { color: var(--high); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
.chart { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.chart h3 { font-size: 14px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; margin-bottom: 6px; }
.chart svg { width: 100%; max-width: 420px; height: auto; display: block; }
.chart text { font: 13px system-ui, "Noto Sans", "Liberation Sans", sans-serif; fill: var(--ink); }
.chart text.value { font-weight: 700; }
.bar-critical { fill: var(--critical); } .bar-high { fill: var(--high); } .bar-medium { fill: var(--medium); }
.bar-low { fill: var(--low); } .bar-info { fill: var(--info); } .bar-plain { fill: var(--accent); }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; margin: 16px 0; overflow: hidden; break-inside: avoid; page-break-inside: avoid; }
.card-head { display: flex; gap: 12px; align-items: flex-start; padding: 14px 18px; border-bottom: 1px solid var(--line); }
.card-head .titles { flex: 1; min-width: 0; }
.card-body { padding: 4px 18px 16px; }
.badge { display: inline-block; border-radius: 4px; padding: 2px 8px; font-size: 12px; font-weight: 700; color: #fff; text-transform: uppercase; letter-spacing: 0.05em; white-space: nowrap; }
.sev-critical { background: var(--critical); } .sev-high { background: var(--high); } .sev-medium { background: var(--medium); }
.sev-low { background: var(--low); } .sev-info { background: var(--info); }
.chips { margin-top: 4px; }
.chip { display: inline-block; border: 1px solid var(--line); border-radius: 999px; padding: 0 8px; font-size: 12px; color: var(--muted); margin: 2px 4px 2px 0; }
.message { font-size: 16px; margin: 12px 0; }
.label { font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); font-weight: 700; margin: 14px 0 4px; }
.chain { list-style: none; margin: 0; padding: 0; }
.chain li { padding: 6px 10px; border-left: 3px solid var(--accent); background: var(--wash); margin-bottom: 4px; }
.chain li .via { color: var(--muted); font-size: 12px; }
.chain .hash { display: block; color: var(--muted); word-break: break-all; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 6px 16px; margin: 0; }
.facts div { min-width: 0; }
.facts dt { font-size: 12px; color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.excerpt { background: #1c1f24; color: #e8eaed; padding: 12px 14px; border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
.excerpt .gutter { color: #8b93a1; user-select: none; margin-right: 14px; padding-right: 10px; border-right: 1px solid #4a505a; }
.excerpt mark { background: var(--mark); color: #000; padding: 0 2px; border-radius: 2px; }
.hex { background: var(--wash); border: 1px solid var(--line); padding: 8px 12px; border-radius: 6px; overflow-x: auto; margin: 0; line-height: 1.6; }
.hex .off { color: var(--muted); }
.hex .hit { background: var(--mark); }
.hex .note { color: var(--muted); }
.flags { list-style: none; margin: 0; padding: 0; }
.flags li { border: 1px solid #e6c36a; background: #fff8e1; border-radius: 6px; padding: 8px 12px; margin-bottom: 6px; }
.flags li b::before { content: "\\2691  "; }
.why { color: var(--ink); }
.why code, .guards code { background: var(--wash); border: 1px solid var(--line); border-radius: 3px; padding: 0 3px; }
details.guards { background: var(--wash); border: none; margin-top: 6px; font-size: 14px; color: var(--muted); }
.refs { margin: 0; padding-left: 18px; color: var(--muted); overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; background: var(--paper); font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
table.glance td { font-size: 13px; }
table.glance td:first-child, table.glance td:nth-child(2) { white-space: nowrap; overflow-wrap: normal; }
table.glance td.mono { font-size: 12px; }
table.glance a { color: var(--accent); font-weight: 700; }
th { background: var(--wash); font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); }
.status-skipped { color: var(--high); font-weight: 700; } .status-partial { color: var(--medium); font-weight: 700; }
details { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin-top: 12px; }
summary { cursor: pointer; font-weight: 600; }
.empty { background: var(--paper); border: 1px dashed var(--line); border-radius: 8px; padding: 16px; color: var(--muted); }
.added { border-left: 6px solid var(--high); } .removed { border-left: 6px solid var(--low); } .renamed { border-left: 6px solid var(--medium); }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 12px; }
@media print {
  @page { margin: 14mm 12mm; }
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  /* A card is often taller than a page: let it break, but not inside its parts. */
  .card { break-inside: auto; page-break-inside: auto; }
  .card-head, .card-head + .card-body > .message, pre, .facts, .chain li, .flags li, .stat, .chart, tr { break-inside: avoid; page-break-inside: avoid; }
  .label { break-after: avoid; page-break-after: avoid; }
  .card, .stat, .chart, .intro { border-color: #bbb; }
  .excerpt { background: #f4f5f7; color: #000; border: 1px solid #bbb; }
  details { border: none; padding: 0; }
  details.guards { display: none; }
  a { color: inherit; text-decoration: none; }
}
`;

export function cssHash(css: string): string {
  return createHash("sha256").update(css, "utf8").digest("base64");
}

/** A complete HTML document around `body` (already escaped HTML). */
export function htmlDocument(title: string, body: string): string {
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${cssHash(REPORT_CSS)}'`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="custodiet">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
