/**
 * Makes text from a scanned file safe for a terminal or a one-line cell: C0 and C1 control characters
 * (ESC starts ANSI sequences that could rewrite the screen), DEL and the bidi overrides become visible escapes.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu, (char) => {
    const code = char.charCodeAt(0);
    if (char === "\n") return "\\n";
    if (char === "\r") return "\\r";
    if (char === "\t") return "\\t";
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
}

/**
 * Escapes text for HTML element content and quoted attribute values. Control characters other than line
 * breaks and tabs, and the bidi overrides (which can make `evil\u202Egnp.exe` display as `evilexe.png`),
 * are shown as visible escapes: evidence must look like what it is.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"'`]/gu, (char) => HTML_ENTITIES[char] ?? char)
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, (char) => {
      const code = char.charCodeAt(0);
      return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
    });
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};
