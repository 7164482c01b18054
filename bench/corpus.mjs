// Deterministic benchmark corpus: a mixed folder of firmware-like random blobs, ELF-like binaries with string
// tables, UTF-8 C with Chinese comments, UTF-16LE text and GBK headers, with needles planted at known offsets.
//
//   node bench/corpus.mjs --size-mb 256 [--out bench/out/corpus-256] [--single]
//
// Writes the files, and beside the folder (not in it: it names every planted term, so a scan of the folder
// would report each one again) `<out>.manifest.json` ({ files: [{ name, size, kind }], plants: [{ file,
// offset, term, encoding, hex }] }). Same arguments, same bytes: the random bytes come from AES-128-CTR with a
// fixed key.
import { createCipheriv } from "node:crypto";
import {
  mkdirSync,
  openSync,
  writeSync,
  closeSync,
  writeFileSync,
  existsSync,
  readFileSync,
  renameSync,
} from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { prng, SEED_TERMS } from "./terms.mjs";

const MB = 1 << 20;

/** A deterministic stream of pseudo-random bytes (AES-128-CTR over zeros with a key derived from `seed`). */
export function randomStream(seed) {
  const key = Buffer.alloc(16);
  key.writeUInt32LE(seed >>> 0, 0);
  key.write("custodiet-bench", 4);
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(4 * MB);
  return (length) => {
    const out = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const step = Math.min(zeros.length, length - filled);
      cipher.update(zeros.subarray(0, step)).copy(out, filled);
      filled += step;
    }
    return out;
  };
}

const C_WORDS = [
  "int",
  "unsigned",
  "char",
  "struct",
  "typedef",
  "enum",
  "void",
  "return",
  "if",
  "else",
  "for",
  "while",
  "nChannel",
  "dwSize",
  "byEnable",
  "szName",
  "stuTime",
  "emType",
  "nCount",
  "pBuffer",
  "hLoginID",
  "bRet",
  "CLIENT_Login",
  "NET_DVR_GetDVRConfig",
  "ALARM_EVENT",
  "VIDEO_ANALYSE",
  "PLATE_COLOR",
  "VEHICLE_TYPE",
  "EM_CAR_COLOR_WHITE",
  "EM_PLATE_TYPE",
  "MAX_NAME_LEN",
  "memset",
  "memcpy",
  "sizeof",
  "NULL",
  "TRUE",
];
const CN_WORDS = [
  "通道号",
  "车牌颜色",
  "车辆类型",
  "报警事件",
  "智能分析",
  "用户名",
  "密码",
  "登录句柄",
  "结构体大小",
  "保留字段",
  "时间",
  "图片数据",
  "缓冲区",
  "设备序列号",
  "录像",
  "回放",
  "云台控制",
  "预置点",
  "人脸检测",
  "目标跟踪",
  "区域入侵",
];
const EN_WORDS = [
  "the",
  "device",
  "camera",
  "stream",
  "channel",
  "config",
  "network",
  "user",
  "password",
  "event",
  "alarm",
  "record",
  "playback",
  "storage",
  "firmware",
  "upgrade",
  "settings",
  "video",
  "audio",
  "motion",
  "detection",
];

function pick(random, list) {
  return list[Math.floor(random() * list.length)];
}

/** UTF-8 C source with Chinese comments, about `size` characters. */
function cSource(random, size) {
  const lines = [];
  let length = 0;
  while (length < size) {
    const kind = random();
    let line;
    if (kind < 0.3)
      line = `    ${pick(random, C_WORDS)} ${pick(random, C_WORDS)}; // ${pick(random, CN_WORDS)}${pick(random, CN_WORDS)}`;
    else if (kind < 0.5)
      line = `/* ${pick(random, CN_WORDS)}，${pick(random, CN_WORDS)}：${pick(random, CN_WORDS)} */`;
    else if (kind < 0.8)
      line = `    ${pick(random, C_WORDS)}(${pick(random, C_WORDS)}, ${pick(random, C_WORDS)}, ${Math.floor(random() * 4096)});`;
    else
      line = `typedef struct tag${pick(random, C_WORDS)} { ${pick(random, C_WORDS)} ${pick(random, C_WORDS)}[${Math.floor(random() * 256)}]; } ${pick(random, C_WORDS)};`;
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join("\n") + "\n";
}

/** Mixed English/Chinese prose (for UTF-16LE documents). */
function prose(random, size) {
  const parts = [];
  let length = 0;
  while (length < size) {
    const word = random() < 0.7 ? pick(random, EN_WORDS) : pick(random, CN_WORDS);
    parts.push(word);
    length += word.length + 1;
    if (random() < 0.08) parts.push(".\r\n");
  }
  return parts.join(" ");
}

/** An ELF-like binary: header, skewed "code" bytes, then a string table of identifiers (ASCII and UTF-16LE). */
function elfLike(random, bytesOf, size) {
  const out = Buffer.alloc(size);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  const codeEnd = Math.floor(size * 0.7);
  const raw = bytesOf(codeEnd);
  // x86-ish byte frequencies: many zeros, REX prefixes, MOV/CALL/JMP opcodes, 0xFF.
  const common = [0x00, 0x00, 0x00, 0x48, 0x89, 0x8b, 0xe8, 0xff, 0x0f, 0x85, 0x24, 0x45, 0xc3, 0x83];
  for (let i = 64; i < codeEnd; i++) {
    const r = raw[i];
    out[i] = r < 128 ? common[r % common.length] : r;
  }
  let at = codeEnd;
  while (at < size) {
    const name = Buffer.from(
      `${pick(random, C_WORDS)}_${pick(random, C_WORDS)}\0`,
      random() < 0.8 ? "utf8" : "utf16le",
    );
    if (at + name.length > size) break;
    name.copy(out, at);
    at += name.length;
  }
  return out;
}

function encodeAs(text, encoding) {
  const name = {
    "utf-8": "utf8",
    "utf-16le": "utf16le",
    "utf-16be": "utf16be",
    gb18030: "gb18030",
    big5: "big5",
  }[encoding];
  const bytes = iconv.encode(text, name, { addBOM: false });
  return iconv.decode(bytes, name, { stripBOM: false }) === text ? bytes : undefined;
}

/** A term as it might appear in the wild: case-insensitive terms get a random case. */
function variantOf(random, term) {
  if (!term.caseInsensitive) return term.text;
  const style = Math.floor(random() * 3);
  if (style === 0) return term.text.toUpperCase();
  if (style === 1) return term.text[0].toUpperCase() + term.text.slice(1);
  return term.text;
}

const KINDS = [
  // share of the corpus, file size, name pattern, encodings a planted needle may use
  {
    kind: "firmware",
    share: 0.4,
    fileSize: 32 * MB,
    ext: "bin",
    encodings: ["utf-8", "utf-16le", "utf-16be", "gb18030", "big5"],
  },
  { kind: "elf", share: 0.25, fileSize: 8 * MB, ext: "so", encodings: ["utf-8", "utf-16le"] },
  { kind: "c-utf8", share: 0.15, fileSize: 2 * MB, ext: "c", encodings: ["utf-8"] },
  { kind: "text-utf16le", share: 0.1, fileSize: 4 * MB, ext: "txt", encodings: ["utf-16le"] },
  { kind: "header-gbk", share: 0.1, fileSize: 1 * MB, ext: "h", encodings: ["gb18030"] },
];

/** Where the manifest of the corpus in folder `out` is: beside the folder, so that it is not scanned with it. */
export function manifestPathOf(out) {
  return `${out.replace(/[/\\]+$/u, "")}.manifest.json`;
}

/**
 * Writes the corpus. `single` writes one firmware-like file of the whole size instead (for the peak-memory run).
 * Returns the manifest. Skips the work when a manifest for the same arguments exists.
 */
export function generateCorpus({ sizeMb, out, single = false, seed = 1, plant = true }) {
  const manifestPath = manifestPathOf(out);
  // Corpora written before kept their manifest inside the folder, where every scan of it found the planted
  // terms listed there (2,006 of the 2,800 findings of the 1 GiB corpus): it moves out.
  const inside = join(out, "manifest.json");
  if (existsSync(inside) && !existsSync(manifestPath)) renameSync(inside, manifestPath);
  // Without plants: the same mixed bytes with nothing to find (for the cost of analysis when nothing is found).
  const signature = `${sizeMb}:${single}:${seed}:v1${plant ? "" : ":clean"}`;
  if (existsSync(manifestPath)) {
    const existing = JSON.parse(readFileSync(manifestPath, "utf8"));
    if (existing.signature === signature) return existing;
  }
  mkdirSync(out, { recursive: true });
  const random = prng(seed);
  const bytesOf = randomStream(seed);
  const files = [];
  const plants = [];
  const kinds = single ? [{ ...KINDS[0], share: 1, fileSize: sizeMb * MB }] : KINDS;
  // Text pools, generated once and sliced with rotating offsets so files differ.
  const cPool = Buffer.from(cSource(random, 3 * MB), "utf8");
  const prosePool = Buffer.from(prose(random, 3 * MB), "utf16le");
  const gbkPool = iconv.encode(cSource(random, 2 * MB), "gbk");
  let fileIndex = 0;
  for (const spec of kinds) {
    let remaining = Math.round(sizeMb * MB * spec.share);
    while (remaining > 0) {
      const size = Math.min(spec.fileSize, remaining);
      remaining -= size;
      const name = `${String(fileIndex++).padStart(4, "0")}-${spec.kind}.${spec.ext}`;
      const path = join(out, name);
      const fd = openSync(path, "w");
      // Large files are written in 64 MiB pieces so memory stays flat; plants are placed inside each piece.
      const piece = 64 * MB;
      for (let start = 0; start < size; start += piece) {
        const length = Math.min(piece, size - start);
        let buffer;
        if (spec.kind === "firmware") buffer = bytesOf(length);
        else if (spec.kind === "elf") buffer = elfLike(random, bytesOf, length);
        else {
          const pool = spec.kind === "c-utf8" ? cPool : spec.kind === "text-utf16le" ? prosePool : gbkPool;
          buffer = Buffer.alloc(length);
          let rotation = Math.floor(random() * (pool.length / 2)) & ~1; // even, to keep UTF-16 aligned
          for (let at = 0; at < length;) {
            const n = pool.copy(buffer, at, rotation);
            at += n;
            rotation = 0;
          }
        }
        // One plant per MiB, at least one per file piece.
        const count = plant ? Math.max(1, Math.floor(length / MB)) : 0;
        for (let k = 0; k < count; k++) {
          const term = pick(random, SEED_TERMS);
          const encoding = pick(random, spec.encodings);
          const text = variantOf(random, term);
          const bytes = encodeAs(text, encoding);
          if (!bytes) continue;
          const slot = Math.floor(length / count);
          let offset = k * slot + 64 + Math.floor(random() * Math.max(1, slot - bytes.length - 128));
          if (encoding.startsWith("utf-16")) offset &= ~1;
          bytes.copy(buffer, offset);
          plants.push({
            file: name,
            offset: start + offset,
            term: term.text,
            text,
            encoding,
            hex: bytes.toString("hex"),
          });
        }
        writeSync(fd, buffer);
      }
      closeSync(fd);
      files.push({ name, size, kind: spec.kind });
    }
  }
  const manifest = { signature, sizeMb, single, files, plants };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 1));
  return manifest;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const value = (flag, fallback) => {
    const at = args.indexOf(flag);
    return at >= 0 ? args[at + 1] : fallback;
  };
  const sizeMb = Number(value("--size-mb", "256"));
  const single = args.includes("--single");
  const out = value("--out", `bench/out/${single ? "single" : "corpus"}-${sizeMb}`);
  const started = Date.now();
  const manifest = generateCorpus({ sizeMb, out, single });
  console.log(
    `${out}: ${manifest.files.length} files, ${manifest.plants.length} plants, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
