import { describe, expect, it } from "vitest";
import { interruptedReport, sampleReport, xssReport, XSS_PAYLOADS } from "../../test/report/sample-report.js";
import {
  CARD_LIMIT,
  formatHtml,
  leadSentence,
  hexView,
  inlineCode,
  ruleDescriptionHtml,
} from "./html-reporter.js";
import { REPORT_CSS, cssHash } from "./html-shell.js";

describe("formatHtml", () => {
  it("is one self-contained file: no script, no external resource, a strict CSP allowing only its own CSS", () => {
    const html = formatHtml(sampleReport());
    expect(html).not.toMatch(/<script|<link|<iframe|<img|<object|@import|url\(/iu);
    expect(html).not.toMatch(/\ssrc=/iu);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/u
      .exec(html)?.[1]
      ?.replace(/&#39;/gu, "'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`style-src 'sha256-${cssHash(REPORT_CSS)}'`);
    expect(html).toContain(`<style>${REPORT_CSS}</style>`);
    expect(html).toContain("@media print");
  });

  it("has one card per finding and the coverage section", () => {
    const report = sampleReport();
    const html = formatHtml(report);
    expect(html.match(/<article class="card"/gu)).toHaveLength(report.findings.length);
    expect(html).toContain('id="coverage"');
    for (const entry of report.coverage.filter((item) => item.status !== "scanned"))
      expect(html).toContain(entry.location);
    for (const finding of report.findings)
      for (const layer of finding.layers) expect(html).toContain(layer.sha256);
  });

  it("says in words how each layer was made", () => {
    const report = sampleReport();
    const [finding] = report.findings;
    const layers = [
      finding!.layers[0]!,
      { path: "unescaped.txt", sha256: "ab".repeat(32), size: 10, via: "unescaped" },
    ];
    const html = formatHtml({ ...report, findings: [{ ...finding!, layers }] });
    expect(html).toContain("(the text with its escapes decoded (\\uXXXX, &amp;#N;, \\xHH, %HH), 10 B)");
  });

  it("escapes every string that came from a scanned file or a rule", () => {
    const html = formatHtml(xssReport());
    for (const payload of XSS_PAYLOADS) {
      // Payloads without markup characters (javascript:…, {{…}}) are harmless text and may appear as they are.
      if (/[<>"']/u.test(payload)) expect(html).not.toContain(payload);
      expect(html).toContain(
        payload
          .replace(/&/gu, "&amp;")
          .replace(/</gu, "&lt;")
          .replace(/>/gu, "&gt;")
          .replace(/"/gu, "&quot;")
          .replace(/'/gu, "&#39;"),
      );
    }
  });

  it("draws the hex view at true offsets and marks the matched bytes", () => {
    const view = hexView("41424344", 0x1f, 0x20, 0x22);
    expect(view).toContain("0000001f");
    expect(view).toContain('41 <span class="hit">42</span> <span class="hit">43</span> 44');
    expect(view).toContain("|ABCD|");
  });

  it("shows rule text as paragraphs with code spans, folds the false-positive guards, escapes everything", () => {
    expect(inlineCode("a `<b>` c `d")).toBe("a <code>&lt;b&gt;</code> c &#96;d");
    const html = ruleDescriptionHtml(
      "Finds `byRace`.\n\nWhy it matters: <i>x</i>.\n\nFalse-positive guards: `trace` is not `race`.",
    );
    expect(html).toBe(
      '<p class="why">Finds <code>byRace</code>.</p><p class="why">Why it matters: &lt;i&gt;x&lt;/i&gt;.</p>' +
        '<details class="guards"><summary>How the rule avoids false alarms</summary><p><code>trace</code> is not <code>race</code>.</p></details>',
    );
  });

  it("stays openable for huge scans: detail for the most severe findings, every finding in the table", () => {
    const base = sampleReport();
    const many = Array.from({ length: CARD_LIMIT + 7 }, (_, index) => ({
      ...base.findings[index % base.findings.length]!,
      offset: index,
    }));
    const html = formatHtml({ ...base, findings: many });
    expect(html.match(/<article class="card"/gu)).toHaveLength(CARD_LIMIT);
    expect(html.match(/<tr><td>(?:<a href="#finding-\d+">)?\d+/gu)).toHaveLength(many.length);
    expect(html).toContain(`all ${many.length} are in the table above`);
  });

  it("leads with one sentence built from the counts", () => {
    expect(leadSentence(sampleReport())).toBe(
      "custodiet found 7 places in 6 files where the software handles ethnicity, race and skin colour. In 4 of them the software appears to infer the attribute from a person's face, body or voice.",
    );
    expect(
      leadSentence({ ...sampleReport(), findings: [], summary: { ...sampleReport().summary, findings: 0 } }),
    ).toBe("custodiet found no profiling capability in the 9 artifacts it scanned.");
  });

  it("leads with the stop when the scan was stopped", () => {
    expect(leadSentence(interruptedReport())).toMatch(
      /^The scan was stopped before it finished \(the scan was stopped after 6/u,
    );
    const empty = {
      ...interruptedReport(),
      findings: [],
      summary: { ...interruptedReport().summary, findings: 0 },
    };
    expect(leadSentence(empty)).toMatch(
      /this report covers what was scanned until then\. custodiet found no profiling/u,
    );
  });
});
