// Deterministic synthetic terms for the benchmark: identifiers and CJK phrases shaped like a real rule pack's
// literals. Same seed, same terms, on every machine.

/** mulberry32: a small, fast, deterministic PRNG returning floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Literals of the kind the real rule pack holds (they lead the list so every size contains them). */
export const SEED_TERMS = [
  { text: "EM_NATION_TYPE_UYGUR", caseInsensitive: false },
  { text: "维族", caseInsensitive: false },
  { text: "维吾尔族", caseInsensitive: false },
  { text: "byRace", caseInsensitive: false },
  { text: "人种", caseInsensitive: false },
  { text: "亚洲人", caseInsensitive: false },
  { text: "黑人", caseInsensitive: false },
  { text: "白人", caseInsensitive: false },
  { text: "肤色", caseInsensitive: false },
  { text: "EM_RACE_TYPE", caseInsensitive: false },
  { text: "EM_COMPLEXION_TYPE", caseInsensitive: false },
  { text: "NETDEV_SKINCOLOR_TYPE_E", caseInsensitive: false },
  { text: "ethnicity", caseInsensitive: true },
  { text: "skincolor", caseInsensitive: true },
  { text: "uighur", caseInsensitive: true },
  { text: "民族", caseInsensitive: false },
  { text: "宗教", caseInsensitive: false },
  { text: "穆斯林", caseInsensitive: false },
  { text: "藏族", caseInsensitive: false },
  { text: "少数民族", caseInsensitive: false },
];

const SYLLABLES = [
  "face",
  "attr",
  "race",
  "skin",
  "nation",
  "type",
  "color",
  "tone",
  "ethnic",
  "origin",
  "feature",
  "person",
  "human",
  "body",
  "minor",
  "group",
  "relig",
  "veil",
  "beard",
  "hijab",
  "tribe",
  "clan",
  "region",
  "native",
  "profile",
  "detect",
  "analys",
  "classif",
  "label",
  "tag",
  "mask",
  "info",
  "param",
  "cfg",
  "ext",
  "res",
];

// Common CJK ideographs that exist in GB2312 (most also in Big5 in their traditional form). Synthetic terms
// use those the corpus text does not, so that scaling the rule count does not scale the number of hits.
const HANZI =
  "人种族民维吾尔藏回蒙汉苗彝壮布依朝鲜满侗瑶白土家哈尼萨克傣黎傈僳佤畲高山拉祜水东乡纳西景颇柯尔克孜" +
  "肤色黄黑白棕宗教信仰伊斯兰佛基督天主道穆斯林面部特征属性识别分析检测结构体枚举类型性别年龄眼镜口罩胡子表情";

/** Chinese words of the corpus text (bench/corpus.mjs); synthetic CJK terms avoid their characters. */
export const CORPUS_HANZI = new Set(
  "通道号车牌颜色辆类型报警事件智能分析用户名密码登录句柄结构体大小保留字段时间图片数据缓冲区设备序列号录像回放云台控制预置点人脸检测目标跟踪区域入侵，：",
);
const SYNTHETIC_HANZI = [...HANZI].filter((char) => !CORPUS_HANZI.has(char)).join("");

/** `count` terms: the seed terms first, then synthetic ones (half identifiers, half CJK), all distinct. */
export function syntheticTerms(count, seed = 5) {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const terms = SEED_TERMS.slice(0, count);
  const seen = new Set(terms.map((term) => term.text));
  while (terms.length < count) {
    let text;
    let caseInsensitive = false;
    const kind = random();
    if (kind < 0.25) {
      const parts = 2 + Math.floor(random() * 3);
      text = "EM_" + Array.from({ length: parts }, () => pick(SYLLABLES).toUpperCase()).join("_");
    } else if (kind < 0.5) {
      const parts = 2 + Math.floor(random() * 2);
      text = Array.from({ length: parts }, (_, i) => {
        const s = pick(SYLLABLES);
        return i === 0 ? s : s[0].toUpperCase() + s.slice(1);
      }).join("");
      caseInsensitive = random() < 0.5;
    } else {
      const length = 3 + Math.floor(random() * 3); // 2-character terms in UTF-16 alias ASCII text too often
      text = Array.from(
        { length },
        () => SYNTHETIC_HANZI[Math.floor(random() * SYNTHETIC_HANZI.length)],
      ).join("");
    }
    if (seen.has(text)) continue;
    seen.add(text);
    terms.push({ text, caseInsensitive });
  }
  return terms;
}
