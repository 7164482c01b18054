import { describe, expect, it } from "vitest";
import { decodeEntities, htmlToText, ooxmlToText } from "./markup-text.js";

describe("decodeEntities", () => {
  it("decodes named, decimal and hex references and leaves unknown ones", () => {
    expect(decodeEntities("&#32932;&#x8272; &amp; &lt;b&gt; &bogus; &#xD800; a&b")).toBe(
      "肤色 & <b> &bogus; &#xD800; a&b",
    );
  });
});

describe("htmlToText", () => {
  it("drops tags, scripts and styles, keeps attribute-free text and breaks lines at blocks", () => {
    const html = `<html><head><style>p{}</style><script>var x = "<p>hidden</p>";</script></head><body><p>种<b>族</b></p><div title="x>y">Race &amp; ethnicity</div></body></html>`;
    expect(htmlToText(html).trim()).toBe("种族\nRace & ethnicity");
  });
});

describe("ooxmlToText", () => {
  it("joins runs of one paragraph and separates paragraphs", () => {
    const xml = `<w:document><w:body><w:p><w:r><w:t>EM_NATION_</w:t></w:r><w:r><w:t>TYPE_UYGUR</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">a </w:t></w:r><w:r><w:tab/><w:t>b</w:t></w:r></w:p></w:body></w:document>`;
    expect(ooxmlToText(xml)).toBe("EM_NATION_TYPE_UYGUR\na \tb\n");
  });

  it("falls back to all text for parts without text elements", () => {
    expect(
      ooxmlToText(
        `<cp:coreProperties><dc:title>Face &amp; race</dc:title><dc:creator>x</dc:creator></cp:coreProperties>`,
      ),
    ).toBe("Face & race\nx");
  });
});
