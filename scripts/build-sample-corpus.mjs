#!/usr/bin/env node
// Builds the sample corpus: a small, fictional vendor SDK tree for the demo and the tests.
// Deterministic: the same bytes on every run (seeded PRNG, no clock). Usage:
//   node scripts/build-sample-corpus.mjs [outDir] [--with-firmware]      (default: corpus/sample)
// Writes <outDir>.EXPECTED.json (beside the tree, so that scanning the tree does not scan the expectations)
// with the findings a correct scan must report, with byte offsets computed
// from the bytes written here. Every sample is written for this project; none is vendor code.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
import iconv from "iconv-lite";

/** A small deterministic PRNG (mulberry32). */
export function createRng(seed) {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rng, length) {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng() * 256);
  return out;
}

/** Encodes text; "utf-16le" without BOM, "gbk"/"gb18030"/"big5" via iconv-lite. */
export function encodeText(text, encoding) {
  if (encoding === "utf-8") return new Uint8Array(Buffer.from(text, "utf8"));
  if (encoding === "utf-16le") return new Uint8Array(Buffer.from(text, "utf16le"));
  const bytes = iconv.encode(text, encoding);
  // iconv-lite substitutes "?" for characters the charset lacks: refuse silently broken samples.
  const back = iconv.decode(bytes, encoding);
  if (back !== text) throw new Error(`text is not representable in ${encoding}`);
  return new Uint8Array(bytes);
}

export function concatBytes(parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function indexOfBytes(haystack, needle, from = 0) {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Where `term` (the `occurrence`-th one, 1-based) sits in `bytes` written in `encoding`: byte offset and length. */
export function locate(bytes, term, encoding, occurrence = 1) {
  const needle = encodeText(term, encoding === "gbk" ? "gbk" : encoding);
  let at = -1;
  for (let n = 0; n < occurrence; n++) {
    at = indexOfBytes(bytes, needle, at + 1);
    if (at < 0) throw new Error(`term ${term} (#${occurrence}) not found in ${encoding}`);
  }
  return { offset: at, length: needle.length };
}

/** Line and column (1-based, column in characters) of a byte offset in a text file. */
function lineColumn(text, encoding, offset) {
  const before = iconv.decode(
    Buffer.from(encodeTextPrefix(text, encoding, offset)),
    encoding === "gbk" ? "gbk" : encoding,
  );
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

function encodeTextPrefix(text, encoding, offset) {
  return encodeText(text, encoding).subarray(0, offset);
}

/** The encoding name a scanner reports for a hit in this file (GBK text is matched by the GB18030 needles). */
function reportedEncoding(encoding) {
  return encoding === "gbk" ? "gb18030" : encoding;
}

// ---------------------------------------------------------------------------------------------------------
// File builders. Each returns { path, bytes, expected: [{ term, occurrence?, category, basis, encoding }] , note }
// A text file is described once (text + encoding); offsets are computed from the encoded bytes.

function textFile(path, encoding, text, expected, note) {
  const bytes = encodeText(text, encoding);
  return {
    path,
    bytes,
    note,
    expected: expected.map((e) => {
      const { offset, length } = locate(bytes, e.term, encoding, e.occurrence);
      return {
        term: e.term,
        category: e.category,
        basis: e.basis,
        encoding: reportedEncoding(encoding),
        offset,
        length,
        ...lineColumn(text, encoding, offset),
      };
    }),
  };
}

const NETSDK_FACE_H = `/*
 * sdk_face_attr.h  -  NetSDK-like face attribute definitions.
 * Fictional sample written for the custodiet sample corpus (scripts/build-sample-corpus.mjs).
 * Encoding: GBK, as such headers usually ship.
 */
#ifndef __SDK_FACE_ATTR_H__
#define __SDK_FACE_ATTR_H__

#include "sdk_types.h"

#ifdef __cplusplus
extern "C" {
#endif

// 性别
typedef enum tagEM_SEX_TYPE
{
    EM_SEX_TYPE_UNKNOWN,                            // 未知
    EM_SEX_TYPE_MALE,                               // 男性
    EM_SEX_TYPE_FEMALE,                             // 女性
} EM_SEX_TYPE;

// 是否戴眼镜
typedef enum tagEM_HAS_GLASS
{
    EM_HAS_GLASS_UNKNOWN,                           // 未知
    EM_HAS_GLASS_NO,                                // 未戴
    EM_HAS_GLASS_NORMAL,                            // 戴普通眼镜
    EM_HAS_GLASS_SUN,                               // 戴太阳眼镜
} EM_HAS_GLASS;

// 民族
typedef enum tagEM_NATION_TYPE
{
    EM_NATION_TYPE_UNKNOWN,                         // 未知
    EM_NATION_TYPE_UYGUR,                           // 维族(新疆)
    EM_NATION_TYPE_OTHER,                           // 其他
    EM_NATION_TYPE_UNIDENTIFIED,                    // 设备未识别
} EM_NATION_TYPE;

// 人脸属性
typedef struct tagNET_FACE_ATTRIBUTE
{
    EM_SEX_TYPE             emSex;                  // 性别
    int                     nAge;                   // 年龄, -1表示该字段数据无效
    unsigned int            nFeatureValid;          // 特征值有效位
    EM_HAS_GLASS            emGlasses;              // 眼镜
    int                     nMask;                  // 口罩, 0-未知 1-未戴 2-戴
    int                     nBeard;                 // 胡子, 0-未知 1-没胡子 2-有胡子
    int                     nAttractive;            // 魅力值, 0未识别, 范围1-100
    EM_NATION_TYPE          emNation;               // 民族
    BYTE                    byReserved[64];         // 保留字节
} NET_FACE_ATTRIBUTE;

// 人脸检测事件
typedef struct tagDEV_EVENT_FACEDETECT_INFO
{
    int                     nChannelID;             // 通道号
    char                    szName[128];            // 事件名称
    double                  PTS;                    // 时间戳(单位是毫秒)
    NET_TIME_EX             UTC;                    // 事件发生的时间
    int                     nEventID;               // 事件ID
    NET_FACE_ATTRIBUTE      stuFaceAttr;            // 人脸属性
    BYTE                    bReserved[512];         // 保留字节
} DEV_EVENT_FACEDETECT_INFO;

#ifdef __cplusplus
}
#endif

#endif // __SDK_FACE_ATTR_H__
`;

const RACE_COMPLEXION_H = `/* sdk_human_attr.h - human/face analysis enums (fictional NetSDK-like sample, UTF-8) */
#pragma once

/// 种族
typedef enum tagEM_RACE_TYPE
{
    EM_RACE_TYPE_UNKNOWN,       ///< 未知
    EM_RACE_TYPE_NODISTI,       ///< 未识别
    EM_RACE_TYPE_YELLOW,        ///< 黄种人
    EM_RACE_TYPE_BLACK,         ///< 黑人
    EM_RACE_TYPE_WHITE,         ///< 白人
} EM_RACE_TYPE;

/// 肤色;Complexion
typedef enum tagEM_COMPLEXION_TYPE
{
    EM_COMPLEXION_NODISTI,      ///< 未识别
    EM_COMPLEXION_YELLOW,       ///< 黄
    EM_COMPLEXION_BLACK,        ///< 黑
    EM_COMPLEXION_WHITE,        ///< 白
} EM_COMPLEXION_TYPE;

/// 人员属性(目标检测)
typedef struct tagNET_HUMAN_FACE_INFO
{
    int                 nAge;               ///< 年龄
    int                 nSex;               ///< 性别 0-未知 1-男 2-女
    EM_RACE_TYPE        emRace;             ///< 种族
    EM_COMPLEXION_TYPE  emComplexion;       ///< 肤色
    int                 nEmotion;           ///< 表情
    char                szReserved[128];    ///< 保留
} NET_HUMAN_FACE_INFO;
`;

const HCNET_VCA_H = `/* vca_face.h - HCNetSDK-like behaviour analysis structures (fictional sample, GBK) */
#ifndef _VCA_FACE_H_
#define _VCA_FACE_H_

#define MAX_HUMAN_BIRTHDATE_LEN     10

//人体特征
typedef struct tagNET_VCA_HUMAN_FEATURE
{
    BYTE   byAgeGroup;    //年龄段,参见 HUMAN_AGE_GROUP_ENUM
    BYTE   bySex;         //性别, 0-表示“未知”（算法不支持）,1 – 男 , 2 – 女, 0xff-算法支持，但是没有识别出来
    BYTE   byEyeGlass;    //是否戴眼镜 0-表示“未知”（算法不支持）,1 – 不戴, 2 – 戴,0xff-算法支持，但是没有识别出来
    BYTE   byAge;         //年龄 0-表示“未知”（算法不支持）,0xff-算法支持，但是没有识别出来
    BYTE   byAgeDeviation;//年龄误差值
    BYTE   byEthnic;      //字段预留，暂不开放
    BYTE   byMask;        //是否戴口罩 0-表示“未知”（算法不支持）,1 – 不戴, 2 – 戴普通眼镜, 3 – 戴墨镜, 0xff-算法支持，但是没有识别出来
    BYTE   bySmile;       //是否微笑 0-表示“未知”（算法不支持）,1 – 不微笑, 2 – 微笑, 0xff-算法支持，但是没有识别出来
    BYTE   byFaceExpression;    /* 表情,参见FACE_EXPRESSION_GROUP_ENUM*/
    BYTE   byBeard;       // 胡子, 0-不支持，1-没有胡子，2-有胡子，0xff-unknow表示未知,算法支持未检出
    BYTE   byRace;        // 人种, 0-不支持, 1-亚洲人, 2-黑人, 3-白人, 0xff-unknow表示未知,算法支持未检出
    BYTE   byHat;         // 帽子, 0-不支持,1-不戴帽子,2-戴帽子,0xff-unknow表示未知,算法支持未检出
    BYTE   byRes[4];      //保留
} NET_VCA_HUMAN_FEATURE, *LPNET_VCA_HUMAN_FEATURE;

#endif
`;

const BENIGN_MEDIA_H = `/*
 * media_pipeline.h - decoder pipeline, skins and guest registry of a fictional NVR client.
 * Holds only words that look like profiling vocabulary but are not (custodiet sample corpus).
 */
#ifndef MEDIA_PIPELINE_H
#define MEDIA_PIPELINE_H

#include <stdint.h>

/* The decoder thread and the render thread share the frame queue. Take queue_lock before
 * touching head/tail to avoid a race condition when the renderer drops frames; tsan reported
 * a data race here in 2.3.1. See trace_frame() for the tracing hooks. */
typedef struct frame_queue {
    uint32_t head;
    uint32_t tail;
    uint8_t *destination;        /* destination buffer of the current copy */
    uint32_t destination_stride;
} frame_queue_t;

void trace_frame(const frame_queue_t *queue, const char *tracer_name);

/* UI skin of the client window; user-selectable themes */
typedef enum ui_skin {
    UI_SKIN_DEFAULT = 0,
    UI_SKIN_DARK,
    UI_SKIN_HIGH_CONTRAST,
} ui_skin_t;

typedef struct ui_theme {
    ui_skin_t skin;
    uint32_t  skin_color_argb;   /* accent colour of the selected skin */
    char      font_family[32];   /* e.g. "Microsoft YaHei" */
} ui_theme_t;

/* Plate colours reported by the LPR module */
typedef enum plate_color {
    PLATE_COLOR_BLUE = 0,
    PLATE_COLOR_YELLOW,
    PLATE_COLOR_BLACK,
    PLATE_COLOR_WHITE,
} plate_color_t;

/* Hotel front-desk registration read from a passport MRZ */
typedef struct passport_guest {
    char     surname[40];
    char     given_names[40];
    char     nationality[4];       /* ISO 3166-1 alpha-3 from the MRZ */
    uint16_t wNationalityID;       /* country code table index */
    char     document_number[16];
    char     destination[64];      /* international itinerary */
} passport_guest_t;

#endif /* MEDIA_PIPELINE_H */
`;

/** A PE-looking blob: DOS header stub, random code bytes, then a UTF-16LE string table, then random data. */
function fakePeDll(path, seed) {
  const rng = createRng(seed);
  const header = new Uint8Array(0x80);
  header.set([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff]);
  header.set(encodeText("This program cannot be run in DOS mode.\r\r\n$", "utf-8"), 0x4e);
  header.set([0x80, 0x00, 0x00, 0x00], 0x3c);
  const pe = encodeText("PE\0\0", "utf-8");
  const code = randomBytes(rng, 6000);
  const strings = [
    "FaceAttributeAnalyse",
    "emSex",
    "nAge",
    "emGlasses",
    "emMask",
    "emBeard",
    "emNation",
    "EM_NATION_TYPE_UNKNOWN",
    "EM_NATION_TYPE_UYGUR",
    "EM_NATION_TYPE_OTHER",
    "EM_NATION_TYPE_UNIDENTIFIED",
    "nAttractive",
  ];
  const table = concatBytes(strings.map((s) => encodeText(`${s}\0`, "utf-16le")));
  const data = randomBytes(rng, 3000);
  const bytes = concatBytes([header, pe, code, table, data]);
  const { offset, length } = locate(bytes, "EM_NATION_TYPE_UYGUR", "utf-16le");
  return {
    path,
    bytes,
    note: "PE-like DLL: random code bytes and a UTF-16LE string table of face attribute names",
    expected: [
      {
        term: "EM_NATION_TYPE_UYGUR",
        category: "ethnicity",
        basis: "inferred",
        encoding: "utf-16le",
        offset,
        length,
      },
    ],
  };
}

/** A Go-like ELF: ELF magic, random text, NUL-separated UTF-8 function names and a rodata string run. */
function fakeGoBinary(path, seed) {
  const rng = createRng(seed);
  const elf = new Uint8Array(64);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
  const text = randomBytes(rng, 8000);
  const funcNames = [
    "runtime.main",
    "main.main",
    "github.com/example/facegw/sdk.(*FaceAttr).SetAge",
    "github.com/example/facegw/sdk.(*FaceAttr).SetSex",
    "github.com/example/facegw/sdk.(*FaceAttr).SetRace",
    "github.com/example/facegw/sdk.(*FaceAttr).SetGlasses",
    "github.com/example/facegw/sdk.(*FaceAttr).SetMask",
    "github.com/example/facegw/sdk.ParseFaceEvent",
  ];
  const funcTable = concatBytes(funcNames.map((s) => encodeText(`${s}\0`, "utf-8")));
  const gap = randomBytes(rng, 2000);
  // Go keeps string literals back to back, without separators.
  const rodata = encodeText(
    "EM_RACE_TYPE_UNKNOWNEM_RACE_TYPE_NODISTIEM_RACE_TYPE_YELLOWEM_RACE_TYPE_BLACKEM_RACE_TYPE_WHITE" +
      "FaceAttr.AgeFaceAttr.SexFaceAttr.GlassesFaceAttr.Mask",
    "utf-8",
  );
  const tail = randomBytes(rng, 3000);
  const bytes = concatBytes([elf, text, funcTable, gap, rodata, tail]);
  const race = locate(bytes, "EM_RACE_TYPE_YELLOW", "utf-8");
  const setRace = locate(bytes, "sdk.(*FaceAttr).SetRace", "utf-8");
  return {
    path,
    bytes,
    note: "Go-like ELF: UTF-8 symbol names (sdk.(*FaceAttr).SetRace) and concatenated rodata strings",
    expected: [
      { term: "EM_RACE_TYPE_YELLOW", category: "race", basis: "inferred", encoding: "utf-8", ...race },
      { term: "sdk.(*FaceAttr).SetRace", category: "race", basis: "inferred", encoding: "utf-8", ...setRace },
    ],
  };
}

export const BLOB_TERM_OFFSET = 70_000;

/** 1 MiB of seeded random bytes with EM_NATION_TYPE_UYGUR in UTF-16LE at exactly byte offset 70,000. */
function randomBlob(path, seed) {
  const rng = createRng(seed);
  const bytes = randomBytes(rng, 1024 * 1024);
  const term = encodeText("EM_NATION_TYPE_UYGUR", "utf-16le");
  bytes.set(term, BLOB_TERM_OFFSET);
  return {
    path,
    bytes,
    note: "1 MiB seeded random bytes, EM_NATION_TYPE_UYGUR in UTF-16LE at byte offset 70000",
    expected: [
      {
        term: "EM_NATION_TYPE_UYGUR",
        category: "ethnicity",
        basis: "inferred",
        encoding: "utf-16le",
        offset: BLOB_TERM_OFFSET,
        length: term.length,
      },
    ],
  };
}

/**
 * A container layer (opt-in, `--with-firmware`): a Dahua-style firmware image, i.e. a zip whose local file
 * headers start with "DH" instead of "PK", holding other sample entries. Expectations keep the member offsets
 * and name the location chain `<image>!<member>`.
 */
export function dahuaFirmwareEntry(path, members) {
  const files = {};
  for (const member of members)
    files[member.path] = [member.bytes, { level: 6, mtime: new Date(Date.UTC(2020, 0, 1)) }];
  const zip = zipSync(files);
  const bytes = new Uint8Array(zip);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= 0; i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  const count = view.getUint16(eocd + 10, true);
  let central = view.getUint32(eocd + 16, true);
  for (let n = 0; n < count; n++) {
    const local = view.getUint32(central + 42, true);
    bytes[local] = 0x44; // "D"
    bytes[local + 1] = 0x48; // "H"
    central +=
      46 +
      view.getUint16(central + 28, true) +
      view.getUint16(central + 30, true) +
      view.getUint16(central + 32, true);
  }
  return {
    path,
    bytes,
    note: `Dahua-style firmware image (zip with DH local headers) holding ${members.map((m) => m.path).join(", ")}`,
    expected: members.flatMap((member) =>
      member.expected.map((e) => ({
        ...e,
        member: member.path,
        location: `${path}!${member.path}`,
        acceptEncodings: acceptedEncodings(member.bytes, e),
      })),
    ),
  };
}

/** A web client's language pack: face attribute labels, with the nation attribute's values. */
const WEB_LANGUAGE_PACK = {
  face: {
    attr: {
      title: "人脸属性",
      gender: "性别",
      age: "年龄",
      glasses: "眼镜",
      mask: "口罩",
      nation: "民族",
      nationValues: { han: "汉族", uyghur: "维吾尔族", other: "其他" },
    },
  },
  common: { ok: "确定", cancel: "取消" },
};

/**
 * The expectations of a text that a scan finds as a layer inside a file (its decoded text, a source its map
 * holds): they carry the layer's name as `member`, its chain as `location`, and offsets in the layer.
 */
function inLayer(layer, member, location) {
  return layer.expected.map((e) => ({
    ...e,
    member,
    location,
    acceptEncodings: acceptedEncodings(layer.bytes, e),
  }));
}

/**
 * The language pack as JSON written with Python's default `ensure_ascii`: every Chinese character is a
 * `\uXXXX` escape, so its raw bytes hold none of them. The scan decodes it into a child, `unescaped.txt`,
 * which is this JSON with the characters as written; its expectations carry `member` and the chain `location`.
 */
function escapedLanguagePack(path) {
  const text = `${JSON.stringify(WEB_LANGUAGE_PACK, null, 2)}\n`;
  const escaped = text.replace(
    /[\u0080-\uffff]/gu,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const raw = textFile(path, "utf-8", escaped, [
    { term: "nation", category: "ethnicity", basis: "inferred" },
  ]);
  const decoded = textFile("unescaped.txt", "utf-8", text, [
    { term: "民族", category: "ethnicity", basis: "inferred" },
    { term: "维吾尔族", category: "ethnicity", basis: "inferred" },
  ]);
  return {
    path,
    bytes: raw.bytes,
    note: "web client language pack, JSON with every Chinese character as a \\uXXXX escape (Python's ensure_ascii)",
    expected: [...raw.expected, ...inLayer(decoded, "unescaped.txt", `${path}!unescaped.txt`)],
  };
}

/** The original source of the web client's face panel, as its bundle's source map carries it. */
const FACE_PANEL_TS = `// Face attribute panel of the web client (fictional, written for the custodiet sample corpus).
// 人脸属性面板: 性别, 年龄, 眼镜, 口罩, 民族
export enum FaceAttr {
  Gender = 0, // 性别
  Age = 1, // 年龄
  Glasses = 2, // 眼镜
  Mask = 3, // 口罩
  Nation = 4, // 民族: 0 汉族, 1 维吾尔族, 2 其他
}

export const NATION_VALUES = { han: 0, uyghur: 1, other: 2 };

export function attrLabel(attr: FaceAttr): string {
  return ["gender", "age", "glasses", "mask", "nation"][attr] ?? "unknown";
}
`;

/**
 * A minified bundle of the web client with its source map inline, as bundlers write it in development
 * builds: \`//# sourceMappingURL=data:application/json;base64,…\`. The minified code keeps no comment and
 * no enum name; the map's \`sourcesContent\` has the source as written. The scan decodes the map
 * (\`data-1.json\`) and takes its source out of it (\`../src/face/face-panel.ts\`), where 维吾尔族 is found
 * at its own line.
 */
function bundleWithInlineSourceMap(path) {
  const code =
    '"use strict";var e={0:"Gender",1:"Age",2:"Glasses",3:"Mask",4:"Nation"};' +
    'function t(n){return["gender","age","glasses","mask","nation"][n]??"unknown"}export{e as FaceAttr,t as attrLabel};\n';
  const map = JSON.stringify({
    version: 3,
    file: "face-panel.min.js",
    sources: ["../src/face/face-panel.ts"],
    sourcesContent: [FACE_PANEL_TS],
    names: ["FaceAttr", "attrLabel"],
    mappings: "AAAA,IAAMA,EAAW",
  });
  const text = `${code}//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(map).toString("base64")}\n`;
  const raw = textFile(path, "utf-8", text, [{ term: "Nation", category: "ethnicity", basis: "inferred" }]);
  const member = "../src/face/face-panel.ts";
  const decoded = textFile(member, "utf-8", FACE_PANEL_TS, [
    { term: "民族", category: "ethnicity", basis: "inferred" },
    { term: "维吾尔族", category: "ethnicity", basis: "inferred" },
    { term: "uyghur", category: "ethnicity", basis: "inferred" },
  ]);
  return {
    path,
    bytes: raw.bytes,
    note: "minified web client bundle with its source map inline as a base64 data: URI; the map holds the original source",
    expected: [...raw.expected, ...inLayer(decoded, member, `${path}!data-1.json!${member}`)],
  };
}

/** Every file of the sample corpus, in memory. Containers (zip, firmware) can wrap these entries later. */
export function buildSampleEntries({ withFirmware = false } = {}) {
  const UYGUR = { term: "EM_NATION_TYPE_UYGUR", category: "ethnicity", basis: "inferred" };
  const entries = [
    textFile(
      "include/sdk_face_attr.h",
      "gbk",
      NETSDK_FACE_H,
      [UYGUR, { term: "维族(新疆)", category: "ethnicity", basis: "inferred" }],
      "GBK header: typedef enum tagEM_NATION_TYPE with EM_NATION_TYPE_UYGUR, // 维族(新疆), used by NET_FACE_ATTRIBUTE.emNation",
    ),
    textFile(
      "include/sdk_human_attr.h",
      "utf-8",
      RACE_COMPLEXION_H,
      [
        { term: "EM_RACE_TYPE_YELLOW", category: "race", basis: "inferred" },
        { term: "EM_COMPLEXION_YELLOW", category: "skin-colour", basis: "inferred" },
      ],
      "UTF-8 header: EM_RACE_TYPE and EM_COMPLEXION_TYPE enums and a face struct using them",
    ),
    textFile(
      "include/vca_face.h",
      "gbk",
      HCNET_VCA_H,
      [
        { term: "byRace", category: "race", basis: "inferred" },
        { term: "byEthnic", category: "ethnicity", basis: "reserved" },
      ],
      "GBK header: NET_VCA_HUMAN_FEATURE with byRace (人种) and the reserved byEthnic (字段预留，暂不开放)",
    ),
    textFile(
      "include/media_pipeline.h",
      "utf-8",
      BENIGN_MEDIA_H,
      [],
      "confusables only: must give no finding",
    ),
    fakePeDll("bin/FaceAttrPlugin.dll", 0x5eed0001),
    fakeGoBinary("bin/facegw", 0x5eed0002),
    randomBlob("blob/random-1mb.bin", 0x5eed0003),
    escapedLanguagePack("webui/i18n/zh-CN.json"),
    bundleWithInlineSourceMap("webui/js/face-panel.min.js"),
  ];
  if (!withFirmware) return entries;
  const inFirmware = entries.filter(
    (e) => e.path === "include/sdk_face_attr.h" || e.path === "bin/FaceAttrPlugin.dll",
  );
  return [...entries, dahuaFirmwareEntry("firmware/IPC-HFW-FACE_fw.bin", inFirmware)];
}

/** Where the expectations of a tree written to outDir go: beside it, e.g. corpus/sample.EXPECTED.json. */
export function expectedPathFor(outDir) {
  return `${outDir.replace(/[\\/]+$/u, "")}.EXPECTED.json`;
}

const MATCHER_ENCODINGS = ["utf-8", "utf-16le", "utf-16be", "gb18030", "big5"];

/** Every matcher encoding whose needle for `term` is exactly the bytes at the expectation (ASCII is the same
 *  in UTF-8, GB18030 and Big5, so a scanner may report any of them). */
function acceptedEncodings(bytes, e) {
  const at = bytes.subarray(e.offset, e.offset + e.length);
  return MATCHER_ENCODINGS.filter((encoding) => {
    let needle;
    try {
      needle = encodeText(e.term, encoding);
    } catch {
      return false;
    }
    return needle.length === at.length && needle.every((b, i) => b === at[i]);
  });
}

/** Writes the entries under outDir, the expectations beside it, and returns the expectations object. */
export function writeSampleCorpus(
  outDir,
  entries = buildSampleEntries(),
  expectedPath = expectedPathFor(outDir),
) {
  rmSync(outDir, { recursive: true, force: true });
  for (const entry of entries) {
    const target = join(outDir, entry.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.bytes);
  }
  const expected = {
    description:
      "Findings a correct custodiet scan of the sample tree must report (paths relative to the tree). Offsets " +
      "are 0-based bytes in the file; line/column 1-based (text files only). A finding meets an expectation when " +
      "it has the same category and basis, its encoding is one of acceptEncodings (ASCII bytes are the same in " +
      "UTF-8, GB18030 and Big5), and its byte range overlaps [offset, offset+length) of the term (a rule may " +
      "anchor on a token inside the identifier, e.g. UYGUR in EM_NATION_TYPE_UYGUR). A file with an empty list " +
      "must give no finding; any other finding in a file must have one of the category/basis pairs listed for it.",
    files: entries.map((entry) => ({
      path: entry.path,
      size: entry.bytes.length,
      note: entry.note,
      findings: entry.expected.map((e) =>
        "member" in e ? e : { ...e, acceptEncodings: acceptedEncodings(entry.bytes, e) },
      ),
    })),
  };
  mkdirSync(dirname(expectedPath), { recursive: true });
  writeFileSync(expectedPath, `${JSON.stringify(expected, null, 2)}\n`);
  return expected;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const withFirmware = args.includes("--with-firmware");
  const outDir = resolve(args.find((a) => !a.startsWith("--")) ?? "corpus/sample");
  const expected = writeSampleCorpus(outDir, buildSampleEntries({ withFirmware }));
  const count = expected.files.reduce((sum, f) => sum + f.findings.length, 0);
  process.stdout.write(
    `sample corpus: ${expected.files.length} files, ${count} expected findings -> ${outDir} (${expectedPathFor(outDir)})\n`,
  );
}
