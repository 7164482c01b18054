import { createHash } from "node:crypto";
import iconv from "iconv-lite";
import { buildSummary } from "../../src/findings/assemble.js";
import { formatLocation } from "../../src/findings/location.js";
import type { CoverageEntry } from "../../src/model/coverage.js";
import type { Encoding } from "../../src/model/encoding.js";
import type { Finding } from "../../src/model/finding.js";
import type { LocationLayer } from "../../src/model/location.js";
import type { RuleSummary, ScanReport } from "../../src/model/report.js";
import { REPORT_SCHEMA_VERSION } from "../../src/model/report.js";
import type { Basis, Category, Severity } from "../../src/model/rule.js";

/**
 * Hand-built scan reports for the reporter, diff, baseline and evidence tests. They follow the model exactly
 * (real encodings of the matched text, real SHA-256 values of stand-in layer contents), so that a reporter is
 * tested on the data the engine will give it, before and independently of the engine.
 */

export function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

export function encodeHex(text: string, encoding: Encoding): string {
  return iconv.encode(text, encoding).toString("hex");
}

export function layer(
  path: string,
  content: string,
  via = "file",
  extra: Partial<LocationLayer> = {},
): LocationLayer {
  return { path, sha256: sha256(content), size: Buffer.byteLength(content), via, ...extra };
}

export function display(layers: readonly LocationLayer[]): string {
  return formatLocation(layers);
}

export interface FindingInput {
  readonly ruleId: string;
  readonly messageId: string;
  readonly category: Category;
  readonly basis: Basis;
  readonly severity: Severity;
  readonly layers: readonly LocationLayer[];
  readonly offset: number;
  readonly encoding: Encoding;
  readonly match: string;
  readonly before?: string;
  readonly after?: string;
  readonly line?: number;
  readonly column?: number;
  readonly scope?: Finding["scope"];
  readonly data?: Record<string, string>;
  readonly ordinal?: number;
}

export function makeFinding(input: FindingInput): Finding {
  const matchHex = encodeHex(input.match, input.encoding);
  const before = input.before ?? "";
  const after = input.after ?? "";
  const leaf = input.layers[input.layers.length - 1]!;
  const fingerprint = sha256(`${input.ruleId}\0${leaf.sha256}\0${matchHex}\0${input.ordinal ?? 0}`);
  return {
    ruleId: input.ruleId,
    messageId: input.messageId,
    category: input.category,
    basis: input.basis,
    severity: input.severity,
    confidence: "high",
    location: display(input.layers),
    layers: input.layers,
    offset: input.offset,
    length: matchHex.length / 2,
    encoding: input.encoding,
    ...(input.line === undefined ? {} : { line: input.line }),
    ...(input.column === undefined ? {} : { column: input.column }),
    match: input.match,
    matchHex,
    excerpt: `${before}${input.match}${after}`,
    excerptMatch: [before.length, before.length + input.match.length],
    ...(input.scope === undefined ? {} : { scope: input.scope }),
    data: input.data ?? {},
    fingerprint,
  };
}

export function rule(
  id: string,
  title: string,
  category: Category,
  basis: Basis,
  severity: Severity,
  vendors: string[] = [],
  compliance: string[] = [],
): RuleSummary {
  return {
    id,
    title,
    description: `${title}. Found in vendor SDKs of face-analysis cameras.`,
    category,
    basis,
    severity,
    confidence: "high",
    references: ["https://example.org/research/" + id],
    compliance,
    vendors,
  };
}

export function makeReport(
  findings: readonly Finding[],
  coverage: readonly CoverageEntry[],
  rules: readonly RuleSummary[],
  inputs: readonly string[] = ["sdk"],
): ScanReport {
  const sorted = [...findings].sort(
    (a, b) =>
      (a.location < b.location ? -1 : a.location > b.location ? 1 : 0) ||
      a.offset - b.offset ||
      (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0),
  );
  const used = new Set(findings.map((finding) => finding.ruleId));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: "custodiet", version: "0.1.0" },
    rulePack: { hash: sha256("rule pack v1"), ruleCount: 24, needleCount: 310 },
    generatedAt: "2026-11-28T01:00:00.000Z",
    inputs,
    options: { minSeverity: "info", maxFileSize: 512 * 1024 * 1024 },
    rules: rules.filter((item) => used.has(item.id)).sort((a, b) => (a.id < b.id ? -1 : 1)),
    findings: sorted,
    coverage: [...coverage].sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0)),
    summary: buildSummary(findings, coverage),
  };
}

export function scanned(layers: readonly LocationLayer[], format?: string): CoverageEntry {
  const leaf = layers[layers.length - 1]!;
  return {
    location: display(layers),
    layers,
    status: "scanned",
    bytesScanned: leaf.size,
    ...(format === undefined ? {} : { format }),
  };
}

// Layer contents are stand-ins: only their hashes and sizes matter to the reporters.
export const zipLayer = layer("sdk/NetSDK_V3.zip", "zip bytes of the Dahua-style SDK");
export const headerLayer = layer("include/dhnetsdk.h", "GBK header bytes", "zip", { offsetInParent: 1274 });
export const hikHeader = layer("sdk/HCNetSDK.h", "Hikvision-style header bytes");
export const blobLayer = layer("sdk/bin/analytics.dat", "a 1 MB blob with a UTF-16LE string table");
export const unvHeader = layer("sdk/NetDEVSDK.h", "Uniview-style header bytes");
export const personsJson = layer("sdk/app/persons.json", "person records");
export const firmwareLayer = layer("sdk/firmware.bin", "firmware image");
export const rootfsLayer = layer("rootfs.sqfs", "squashfs", "carve", { carvedAt: 0x1a2b00 });

export const RULES: readonly RuleSummary[] = [
  rule(
    "dahua-nation-type",
    "Nation (ethnic group) type enum",
    "ethnicity",
    "inferred",
    "critical",
    ["dahua"],
    ["eu-ai-act-art-5-1-g"],
  ),
  rule("hikvision-race-field", "Race field in a human attribute structure", "race", "inferred", "high", [
    "hikvision",
  ]),
  rule("uniview-skin-colour", "Skin colour type enum", "skin-colour", "reserved", "medium", ["uniview"]),
  rule("idcard-nation", "Ethnic group read from an ID card", "ethnicity", "id-document", "medium"),
  rule(
    "person-record-ethnicity",
    "Ethnicity stored in person records",
    "ethnicity",
    "profiling-data",
    "high",
  ),
];

export function sampleFindings(): Finding[] {
  return [
    makeFinding({
      ruleId: "dahua-nation-type",
      messageId: "enum-member",
      category: "ethnicity",
      basis: "inferred",
      severity: "critical",
      layers: [zipLayer, headerLayer],
      offset: 48213,
      encoding: "gb18030",
      match: "EM_NATION_TYPE_UYGUR",
      before: "    EM_NATION_TYPE_HAN,                // 汉族\\n    ",
      after: ",              // 维族(新疆)\\n    EM_NATION_TYPE_HUI,",
      line: 1204,
      column: 5,
      scope: { kind: "enum", name: "tagEM_NATION_TYPE" },
      data: { siblings: "EM_NATION_TYPE_HAN, EM_NATION_TYPE_HUI" },
    }),
    makeFinding({
      ruleId: "dahua-nation-type",
      messageId: "comment",
      category: "ethnicity",
      basis: "inferred",
      severity: "critical",
      layers: [zipLayer, headerLayer],
      offset: 48251,
      encoding: "gb18030",
      match: "维族(新疆)",
      before: "    EM_NATION_TYPE_UYGUR,              // ",
      after: "\\n    EM_NATION_TYPE_HUI,",
      line: 1204,
      column: 44,
      scope: { kind: "enum", name: "tagEM_NATION_TYPE" },
    }),
    makeFinding({
      ruleId: "hikvision-race-field",
      messageId: "field",
      category: "race",
      basis: "inferred",
      severity: "high",
      layers: [hikHeader],
      offset: 9120,
      encoding: "utf-8",
      match: "byRace",
      before: "    BYTE byAgeGroup;\\n    BYTE ",
      after: ";   //人种: 0-未知,1-亚洲人,2-黑人,3-白人",
      line: 311,
      column: 10,
      scope: { kind: "struct", name: "tagNET_VCA_HUMAN_ATTRIBUTE" },
      data: { siblings: "bySex, byAgeGroup, byGlasses" },
    }),
    makeFinding({
      ruleId: "dahua-nation-type",
      messageId: "string",
      category: "ethnicity",
      basis: "inferred",
      severity: "critical",
      layers: [blobLayer],
      offset: 70000,
      encoding: "utf-16le",
      match: "EM_NATION_TYPE_UYGUR",
      before: "EM_NATION_TYPE_HAN\\x00",
      after: "\\x00EM_NATION_TYPE_HUI",
      scope: { kind: "string-table" },
    }),
    makeFinding({
      ruleId: "uniview-skin-colour",
      messageId: "enum-member",
      category: "skin-colour",
      basis: "reserved",
      severity: "medium",
      layers: [unvHeader],
      offset: 20480,
      encoding: "utf-8",
      match: "NETDEV_SKINCOLOR_TYPE_E",
      before: "} ",
      after: "; /* 字段预留，暂不开放 */",
      line: 802,
      column: 3,
      scope: { kind: "enum", name: "NETDEV_SKINCOLOR_TYPE_E" },
    }),
    makeFinding({
      ruleId: "person-record-ethnicity",
      messageId: "json-key",
      category: "ethnicity",
      basis: "profiling-data",
      severity: "high",
      layers: [personsJson],
      offset: 118,
      encoding: "utf-8",
      match: "ethnicity",
      before: '{"name": "…", "idNumber": "…", "',
      after: '": "…", "watchlist": true}',
      line: 4,
      column: 37,
      scope: { kind: "object" },
    }),
    makeFinding({
      ruleId: "idcard-nation",
      messageId: "field",
      category: "ethnicity",
      basis: "id-document",
      severity: "medium",
      layers: [firmwareLayer, rootfsLayer, layer("/usr/lib/libidcard.so", "elf", "squashfs")],
      offset: 5000,
      encoding: "utf-8",
      match: "szNation",
      before: "szName\\x00szSex\\x00",
      after: "\\x00szBirth",
      scope: { kind: "string-table" },
    }),
  ];
}

export function sampleCoverage(): CoverageEntry[] {
  const libidcard = layer("/usr/lib/libidcard.so", "elf", "squashfs");
  return [
    scanned([zipLayer], "zip"),
    scanned([zipLayer, headerLayer]),
    scanned([hikHeader]),
    scanned([blobLayer]),
    scanned([unvHeader]),
    scanned([personsJson]),
    {
      location: display([firmwareLayer]),
      layers: [firmwareLayer],
      status: "partial",
      reason: "budget-time",
      detail: "extraction stopped after 30000 ms",
      bytesScanned: firmwareLayer.size,
      format: "firmware",
    },
    scanned([firmwareLayer, rootfsLayer], "squashfs"),
    scanned([firmwareLayer, rootfsLayer, libidcard]),
    {
      location: "sdk/tools/update.zip",
      layers: [layer("sdk/tools/update.zip", "encrypted zip")],
      status: "skipped",
      reason: "encrypted",
      detail: "zip entry firmware.img is encrypted (AES-256)",
      bytesScanned: 0,
      format: "zip",
    },
    {
      location: "sdk/link-to-etc",
      layers: [{ path: "sdk/link-to-etc", sha256: sha256(""), size: 0, via: "file" }],
      status: "skipped",
      reason: "symlink-outside-root",
      detail: "points to /etc",
      bytesScanned: 0,
    },
  ];
}

export function sampleReport(): ScanReport {
  return makeReport(sampleFindings(), sampleCoverage(), RULES);
}

/** The sample as a scan stopped by Ctrl-C reports it: one artifact interrupted. */
export function interruptedReport(): ScanReport {
  const coverage: CoverageEntry[] = sampleCoverage();
  const stopped = layer("sdk/late.zip", "late");
  coverage.push({
    location: stopped.path,
    layers: [stopped],
    status: "skipped",
    reason: "interrupted",
    detail: "while this was being scanned",
    bytesScanned: 0,
  });
  return {
    ...makeReport(sampleFindings(), coverage, RULES),
    interrupted: "the scan was stopped after 6 artifacts; files the walk had not reached are not listed",
  };
}

/** Strings a hostile file may carry in its name or content. Each sets a window flag if it ever runs. */
export const XSS_PAYLOADS = [
  `<script>window.__xss = 1</script>`,
  `"><img src=x onerror="window.__xss=2">`,
  `'><svg onload=window.__xss=3>`,
  `javascript:window.__xss=4`,
  `</style><script>window.__xss=5</script>`,
  `<iframe srcdoc="<script>parent.__xss=6</script>">`,
  `{{constructor.constructor('window.__xss=7')()}}`,
  `]]><!-- --><script>window.__xss=8</script>`,
] as const;

export function xssReport(): ScanReport {
  const findings: Finding[] = [];
  const coverage: CoverageEntry[] = [];
  const rules: RuleSummary[] = [];
  XSS_PAYLOADS.forEach((payload, index) => {
    const outer = layer(`evil/${payload}.zip`, `outer ${index}`);
    const inner = layer(`inner/${payload}.h`, `inner ${index}`, "zip", { element: payload });
    const ruleId = `xss-rule-${index}`;
    rules.push({
      ...rule(ruleId, `Title ${payload}`, "ethnicity", "inferred", "high", [payload]),
      description: `Description ${payload}`,
      references: [payload, `javascript:window.__xss=${10 + index}`],
      compliance: [payload],
    });
    findings.push(
      makeFinding({
        ruleId,
        messageId: index % 2 === 0 ? "enum-member" : payload,
        category: "ethnicity",
        basis: "inferred",
        severity: "high",
        layers: [outer, inner],
        offset: 100 + index,
        encoding: "utf-8",
        match: `MATCH ${payload}`,
        before: `before ${payload} `,
        after: ` after ${payload}`,
        line: 1,
        column: 1,
        scope: { kind: "enum", name: payload },
        data: { siblings: payload, vendor: payload },
      }),
    );
    coverage.push(scanned([outer, inner]));
    coverage.push({
      location: `evil/skipped ${payload}`,
      layers: [layer(`evil/skipped ${payload}`, `skipped ${index}`)],
      status: "skipped",
      reason: "corrupt",
      detail: `detail ${payload}`,
      bytesScanned: 0,
      format: payload,
    });
  });
  return makeReport(findings, coverage, rules, [...XSS_PAYLOADS]);
}
