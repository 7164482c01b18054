const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  copy: "©",
  reg: "®",
  middot: "·",
  ndash: "–",
  mdash: "—",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  hellip: "…",
  times: "×",
  deg: "°",
  laquo: "«",
  raquo: "»",
  ensp: "\u2002",
  emsp: "\u2003",
  thinsp: "\u2009",
  bull: "•",
  trade: "™",
};

/** Decodes character references (`&amp;`, `&#20154;`, `&#x4eba;`); unknown ones stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  let out = "";
  let position = 0;
  while (position < text.length) {
    const amp = text.indexOf("&", position);
    if (amp < 0) break;
    out += text.slice(position, amp);
    const semi = text.indexOf(";", amp + 1);
    if (semi < 0 || semi - amp > 12) {
      out += "&";
      position = amp + 1;
      continue;
    }
    const body = text.slice(amp + 1, semi);
    let decoded: string | undefined;
    if (body.startsWith("#x") || body.startsWith("#X")) decoded = codePoint(parseInt(body.slice(2), 16));
    else if (body.startsWith("#")) decoded = codePoint(parseInt(body.slice(1), 10));
    else decoded = NAMED[body] ?? NAMED[body.toLowerCase()];
    if (decoded === undefined) {
      out += "&";
      position = amp + 1;
    } else {
      out += decoded;
      position = semi + 1;
    }
  }
  return out + text.slice(position);
}

function codePoint(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
    return undefined;
  return String.fromCodePoint(value);
}

export interface Tag {
  /** Local name, lower-cased (prefix removed: `w:t` → `t`). */
  readonly name: string;
  readonly closing: boolean;
  readonly selfClosing: boolean;
}

/**
 * Walks markup without regular expressions: calls `onText` for text between tags and `onTag` for each
 * tag. Comments, CDATA (text is passed through), processing instructions and doctypes are handled.
 */
export function walkMarkup(markup: string, onText: (text: string) => void, onTag: (tag: Tag) => void): void {
  let position = 0;
  const length = markup.length;
  while (position < length) {
    const lt = markup.indexOf("<", position);
    if (lt < 0) {
      onText(markup.slice(position));
      return;
    }
    if (lt > position) onText(markup.slice(position, lt));
    if (markup.startsWith("<!--", lt)) {
      const end = markup.indexOf("-->", lt + 4);
      position = end < 0 ? length : end + 3;
      continue;
    }
    if (markup.startsWith("<![CDATA[", lt)) {
      const end = markup.indexOf("]]>", lt + 9);
      onText(markup.slice(lt + 9, end < 0 ? length : end).replaceAll("&", "&amp;"));
      position = end < 0 ? length : end + 3;
      continue;
    }
    // Find the end of the tag, skipping quoted attribute values.
    let end = lt + 1;
    let quote = "";
    for (; end < length; end += 1) {
      const c = markup[end];
      if (quote !== "") {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ">") break;
    }
    const inner = markup.slice(lt + 1, end);
    position = end + 1;
    if (inner.startsWith("?") || inner.startsWith("!")) continue;
    const closing = inner.startsWith("/");
    const selfClosing = inner.endsWith("/");
    let nameEnd = closing ? 1 : 0;
    while (nameEnd < inner.length && !" \t\r\n/>".includes(inner[nameEnd]!)) nameEnd += 1;
    const qualified = inner.slice(closing ? 1 : 0, nameEnd).toLowerCase();
    const colon = qualified.indexOf(":");
    onTag({ name: colon < 0 ? qualified : qualified.slice(colon + 1), closing, selfClosing });
  }
}

const HTML_BLOCKS = new Set([
  "p",
  "div",
  "br",
  "li",
  "tr",
  "td",
  "th",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "table",
  "ul",
  "ol",
  "section",
  "article",
  "header",
  "footer",
  "option",
  "title",
  "dt",
  "dd",
  "pre",
  "blockquote",
  "hr",
]);

/** Visible text of an HTML page: tags removed, entities decoded, script and style dropped. */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  let skipping: string | undefined;
  walkMarkup(
    html,
    (text) => {
      if (skipping === undefined) parts.push(decodeEntities(text));
    },
    (tag) => {
      if (skipping !== undefined) {
        if (tag.closing && tag.name === skipping) skipping = undefined;
        return;
      }
      if (!tag.closing && !tag.selfClosing && (tag.name === "script" || tag.name === "style"))
        skipping = tag.name;
      else if (HTML_BLOCKS.has(tag.name)) parts.push("\n");
    },
  );
  return parts.join("").replace(/[ \t]*\n\s*/g, "\n");
}

const XML_TEXT_ELEMENTS = new Set(["t", "v", "instrtext", "deltext"]);
const XML_BREAKS = new Set(["p", "si", "row", "br", "cr", "tab", "tr", "tc"]);

/**
 * Text of an Office Open XML part. Runs are joined without separators (a term split across `<w:r>`
 * runs is found whole); paragraphs, rows and shared strings end a line. Parts without text elements
 * (core properties, custom XML) give all their text nodes.
 */
export function ooxmlToText(xml: string): string {
  const parts: string[] = [];
  const all: string[] = [];
  let inText = 0;
  walkMarkup(
    xml,
    (text) => {
      const decoded = decodeEntities(text);
      if (inText > 0) parts.push(decoded);
      if (decoded.trim() !== "") all.push(decoded.trim());
    },
    (tag) => {
      if (XML_TEXT_ELEMENTS.has(tag.name) && !tag.selfClosing)
        inText = Math.max(0, inText + (tag.closing ? -1 : 1));
      else if (XML_BREAKS.has(tag.name) && (tag.closing || tag.selfClosing))
        parts.push(tag.name === "tab" ? "\t" : "\n");
    },
  );
  const text = parts.join("");
  return text.trim() === "" ? all.join("\n") : text;
}
