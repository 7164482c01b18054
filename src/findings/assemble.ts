import { createHash } from "node:crypto";
import type { CoverageEntry } from "../model/coverage.js";
import type { Finding } from "../model/finding.js";
import type { LocationLayer } from "../model/location.js";
import type { RuleSummary, ScanReport } from "../model/report.js";
import { SEVERITIES, type Rule, type Severity } from "../model/rule.js";
import type { LocatedDetection } from "../engine/task.js";
import { formatLocation } from "./location.js";

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/**
 * Turns one leaf's detections into findings: rule metadata, location, and a fingerprint made of
 * content only (rule, leaf hash, matched bytes, and the ordinal of that triple in the leaf).
 */
export function toFindings(
  detections: readonly LocatedDetection[],
  layers: readonly LocationLayer[],
  rules: ReadonlyMap<string, Rule>,
): Finding[] {
  const leaf = layers[layers.length - 1]!;
  const location = formatLocation(layers);
  const ordered = pickOnePerSpan(detections, rules);
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  for (const detection of ordered) {
    const rule = rules.get(detection.ruleId);
    if (rule === undefined) continue;
    const key = `${detection.ruleId}\0${detection.matchHex}`;
    const ordinal = seen.get(key) ?? 0;
    seen.set(key, ordinal + 1);
    const fingerprint = createHash("sha256")
      .update(`${detection.ruleId}\0${leaf.sha256}\0${detection.matchHex}\0${ordinal}`)
      .digest("hex");
    findings.push({
      ruleId: rule.id,
      messageId: detection.messageId,
      category: rule.category,
      basis: rule.basis,
      severity: rule.severity,
      confidence: rule.confidence,
      location,
      layers,
      offset: detection.offset,
      length: detection.length,
      encoding: detection.encoding,
      ...(detection.line !== undefined ? { line: detection.line } : {}),
      ...(detection.column !== undefined ? { column: detection.column } : {}),
      match: wellFormed(detection.match),
      matchHex: detection.matchHex,
      excerpt: wellFormed(detection.excerpt),
      excerptMatch: detection.excerptMatch,
      ...(detection.scope !== undefined
        ? {
            scope: {
              kind: detection.scope.kind,
              ...(detection.scope.name !== undefined ? { name: wellFormed(detection.scope.name) } : {}),
            },
          }
        : {}),
      data: Object.fromEntries(
        Object.entries(detection.data).map(([key, value]) => [key, wellFormed(value)]),
      ),
      fingerprint,
    });
  }
  return findings;
}

/**
 * Text decoded from arbitrary bytes as UTF-16 can hold lone surrogates, which strict JSON readers (jq)
 * reject; each becomes U+FFFD, one code unit for one, so positions in the excerpt stay the same.
 */
function wellFormed(text: string): string {
  return text.replace(/\p{Cs}/gu, "\uFFFD");
}

const CONFIDENCE_RANK = { low: 0, medium: 1, high: 2 } as const;

/**
 * Several rules (or several needles of one rule) can confirm the same bytes; the report shows one
 * finding per span: the most severe, then most confident rule, then the first by id. The other rule
 * ids stay in `data.alsoMatched`, so nothing that was found disappears.
 */
function pickOnePerSpan(
  detections: readonly LocatedDetection[],
  rules: ReadonlyMap<string, Rule>,
): LocatedDetection[] {
  const bySpan = new Map<string, LocatedDetection[]>();
  for (const detection of detections) {
    if (!rules.has(detection.ruleId)) continue;
    const key = `${detection.offset}:${detection.length}`;
    const list = bySpan.get(key);
    if (list) list.push(detection);
    else bySpan.set(key, [detection]);
  }
  const rank = (detection: LocatedDetection): [number, number] => {
    const rule = rules.get(detection.ruleId)!;
    return [severityRank(rule.severity), CONFIDENCE_RANK[rule.confidence]];
  };
  const picked: LocatedDetection[] = [];
  for (const list of bySpan.values()) {
    list.sort((a, b) => {
      const [sa, ca] = rank(a);
      const [sb, cb] = rank(b);
      return sb - sa || cb - ca || compare(a.ruleId, b.ruleId);
    });
    const best = list[0]!;
    const others = [...new Set(list.map((d) => d.ruleId))].filter((id) => id !== best.ruleId).sort(compare);
    picked.push(
      others.length > 0 ? { ...best, data: { ...best.data, alsoMatched: others.join(",") } } : best,
    );
  }
  return picked.sort((a, b) => a.offset - b.offset || a.length - b.length);
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders two artifacts with the same location: one container may hold two members of the same name (an ar
 * library's two `util.o`, a tar with a file appended twice). Their offsets, then their hashes, tell them
 * apart, so the order does not depend on which was scanned first (`--jobs`).
 */
function compareLayers(a: readonly LocationLayer[], b: readonly LocationLayer[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const left = a[index]!;
    const right = b[index]!;
    const order =
      (left.offsetInParent ?? -1) - (right.offsetInParent ?? -1) || compare(left.sha256, right.sha256);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      compare(a.location, b.location) ||
      compareLayers(a.layers, b.layers) ||
      a.offset - b.offset ||
      compare(a.ruleId, b.ruleId) ||
      a.length - b.length,
  );
}

export function sortCoverage(coverage: CoverageEntry[]): CoverageEntry[] {
  return coverage.sort(
    (a, b) =>
      compare(a.location, b.location) || compareLayers(a.layers, b.layers) || compare(a.status, b.status),
  );
}

export function summarizeRule(rule: Rule): RuleSummary {
  return {
    id: rule.id,
    title: rule.title,
    description: rule.description,
    category: rule.category,
    basis: rule.basis,
    severity: rule.severity,
    confidence: rule.confidence,
    references: rule.references,
    compliance: rule.compliance,
    vendors: rule.vendors,
  };
}

function countBy<K extends string>(values: readonly K[]): Partial<Record<K, number>> {
  const counts: Partial<Record<K, number>> = {};
  for (const value of [...values].sort(compare)) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

export function buildSummary(
  findings: readonly Finding[],
  coverage: readonly CoverageEntry[],
): ScanReport["summary"] {
  return {
    findings: findings.length,
    byCategory: countBy(findings.map((f) => f.category)),
    byBasis: countBy(findings.map((f) => f.basis)),
    bySeverity: countBy(findings.map((f) => f.severity)),
    artifacts: {
      scanned: coverage.filter((c) => c.status === "scanned").length,
      partial: coverage.filter((c) => c.status === "partial").length,
      skipped: coverage.filter((c) => c.status === "skipped").length,
    },
    bytesScanned: coverage.reduce((total, c) => total + c.bytesScanned, 0),
  };
}

/**
 * Layers that retell their parent's own text another way: an HTML page's text, DEX and resource string
 * tables, decoded escapes, a message's body, an RTF document's text; and what a text carries in data: URIs,
 * which retells it when it is a bundle's source map (the original sources, whose strings the bundle holds).
 */
const RETOLD_TEXT: ReadonlySet<string> = new Set([
  "html-text",
  "dex-strings",
  "arsc-strings",
  "unescaped",
  "mime-text",
  "rtf-text",
  "data-uri",
]);

/**
 * Layers that hold their parent's content laid out better: a source map's sources and a web capture's
 * bodies, each with its own lines and name, where the JSON document has them as strings on one line.
 */
const UNFOLDED: ReadonlySet<string> = new Set(["sourcemap", "har"]);

/**
 * A layer that retells its parent's text finds the parent's findings again. Such a repeat (the same rule
 * and matched text; the k-th one in a layer only when the parent has k) is dropped: the parent's finding is
 * the one whose offset points into the file as it is. What only the retold text shows stays. A parent
 * whose layers unfold it (a source map's sources) is the other way round: its findings that they repeat
 * are dropped, as theirs point at the source's own line. Returns the findings kept and, by location, how
 * many of each retelling layer's findings were dropped (`repeated`) and of each unfolded parent's
 * (`unfolded`).
 */
export function dropRetoldRepeats(findings: readonly Finding[]): {
  kept: Finding[];
  repeated: Map<string, number>;
  unfolded: Map<string, number>;
} {
  const keyOf = (finding: Finding): string => `${finding.ruleId}\0${finding.match}`;
  const counts = new Map<string, Map<string, number>>();
  /** Per unfolded parent, its layers' findings, not met yet in the parent. */
  const inLayers = new Map<string, Map<string, number>>();
  for (const finding of findings) {
    const byKey = counts.get(finding.location) ?? new Map<string, number>();
    counts.set(finding.location, byKey);
    byKey.set(keyOf(finding), (byKey.get(keyOf(finding)) ?? 0) + 1);
    if (finding.layers.length >= 2 && UNFOLDED.has(finding.layers[finding.layers.length - 1]!.via)) {
      const parent = formatLocation(finding.layers.slice(0, -1));
      const byParent = inLayers.get(parent) ?? new Map<string, number>();
      inLayers.set(parent, byParent);
      byParent.set(keyOf(finding), (byParent.get(keyOf(finding)) ?? 0) + 1);
    }
  }
  /** Per retelling layer, its parent's findings not met yet. */
  const left = new Map<string, Map<string, number>>();
  const repeated = new Map<string, number>();
  const unfolded = new Map<string, number>();
  const kept: Finding[] = [];
  for (const finding of findings) {
    const inLayer = inLayers.get(finding.location);
    const times = inLayer?.get(keyOf(finding)) ?? 0;
    if (times > 0) {
      inLayer!.set(keyOf(finding), times - 1);
      unfolded.set(finding.location, (unfolded.get(finding.location) ?? 0) + 1);
      continue;
    }
    const layer = finding.layers[finding.layers.length - 1]!;
    if (finding.layers.length >= 2 && RETOLD_TEXT.has(layer.via)) {
      let parent = left.get(finding.location);
      if (parent === undefined) {
        parent = new Map(counts.get(formatLocation(finding.layers.slice(0, -1))));
        left.set(finding.location, parent);
      }
      const count = parent.get(keyOf(finding)) ?? 0;
      if (count > 0) {
        parent.set(keyOf(finding), count - 1);
        repeated.set(finding.location, (repeated.get(finding.location) ?? 0) + 1);
        continue;
      }
    }
    kept.push(finding);
  }
  return { kept, repeated, unfolded };
}

/**
 * Containers that keep their members' bytes as they are, in blocks of their own, without saying where (the
 * file systems 7-Zip reads give no offsets): FAT, ext, HFS+, NTFS, ISO 9660, cpio, OLE compound files,
 * and a virtual or sparse disk's one image. Also the byte-oriented compressors whose streams keep literal
 * runs as plain bytes (LZ4, lzop, zstd's raw literals): a term the decoder writes out of a literal run is in
 * the stream too.
 */
const VERBATIM_WITHOUT_OFFSETS: ReadonlySet<string> = new Set([
  "fat",
  "ext",
  "hfs",
  "iso",
  "cpio",
  "ole",
  "vhd",
  "vhdx",
  "vmdk",
  "qcow",
  "vdi",
  "ntfs",
  "android-sparse",
  "lz4",
  "lzop",
  "zstd",
]);

/** NTFS's master file table, as 7-Zip names it among a volume's files. */
const isMft = (layer: Finding["layers"][number]): boolean =>
  layer.via === "ntfs" && layer.path === "[SYSTEM]/$MFT";

/**
 * A container that stores members verbatim (tar, cpio, ISO, a stored zip member, a file system, a disk)
 * holds each member's bytes, so scanning its raw bytes finds the member's findings a second time. Such an
 * echo is dropped; the member's finding is the better located evidence of the two:
 * - when the member has its offset in the container: where the member itself has the same rule on the same
 *   bytes at the matching offset;
 * - when it has none (a file in a FAT or ext image): as often as the container's members have the same rule
 *   on the same bytes.
 * Findings in raw bytes that no member explains (slack space, deleted files, a member that failed to
 * extract) stay. NTFS keeps a small file's data (and alternate streams) inside its master file table, so the
 * volume's `[SYSTEM]/$MFT` echoes its sibling files the same way; its findings that no sibling explains (a
 * deleted file's data) stay.
 */
export function dropContainerEchoes(findings: readonly Finding[]): Finding[] {
  const inMembers = new Set<string>();
  /** By container, rule and bytes: how many findings its unplaced members have. */
  const unplaced = new Map<string, number>();
  /** The same, without NTFS's master file table: what explains the table's own findings. */
  const besideMft = new Map<string, number>();
  const parentOf = (finding: Finding): string => formatLocation(finding.layers.slice(0, -1));
  for (const finding of findings) {
    const member = finding.layers[finding.layers.length - 1]!;
    if (finding.layers.length < 2) continue;
    const parent = parentOf(finding);
    if (member.offsetInParent !== undefined)
      inMembers.add(
        `${parent}\0${finding.offset + member.offsetInParent}\0${finding.ruleId}\0${finding.matchHex}`,
      );
    else if (VERBATIM_WITHOUT_OFFSETS.has(member.via)) {
      const key = `${parent}\0${finding.ruleId}\0${finding.matchHex}`;
      unplaced.set(key, (unplaced.get(key) ?? 0) + 1);
      if (!isMft(member)) besideMft.set(key, (besideMft.get(key) ?? 0) + 1);
    }
  }
  if (inMembers.size === 0 && unplaced.size === 0) return [...findings];
  return findings.filter((finding) => {
    if (inMembers.has(`${finding.location}\0${finding.offset}\0${finding.ruleId}\0${finding.matchHex}`))
      return false;
    const member = finding.layers[finding.layers.length - 1]!;
    if (finding.layers.length >= 2 && isMft(member)) {
      const siblings = `${parentOf(finding)}\0${finding.ruleId}\0${finding.matchHex}`;
      const explained = besideMft.get(siblings) ?? 0;
      if (explained > 0) {
        besideMft.set(siblings, explained - 1);
        return false;
      }
    }
    const key = `${finding.location}\0${finding.ruleId}\0${finding.matchHex}`;
    const count = unplaced.get(key) ?? 0;
    if (count === 0) return true;
    unplaced.set(key, count - 1);
    return false;
  });
}
