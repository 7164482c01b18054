import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { base64Lines, mimeMessage, quotedPrintable } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { looksLikeMime } from "../../src/extract/mime-extractor.js";
import { tempFolder } from "../helpers.js";

const head = (text: string): Uint8Array => Buffer.from(text, "latin1");

const HEADER = [
  "typedef enum tagEM_NATION_TYPE {",
  "    EM_NATION_TYPE_UNKNOWN,",
  "    EM_NATION_TYPE_HAN,",
  "    EM_NATION_TYPE_UYGUR,",
  "} EM_NATION_TYPE;",
  "",
].join("\n");

/** A body in which the quoted-printable soft line breaks fall inside words. */
const BODY = `您好，\n新版人脸属性接口：${"性别、年龄、眼镜、口罩、".repeat(3)}民族（汉族、维吾尔族、其他）。\n`;

describe("looksLikeMime", () => {
  it("takes e-mails and saved pages", () => {
    expect(
      looksLikeMime(
        head("From: a@b.c\r\nTo: d@e.f\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhi"),
      ),
    ).toBe(true);
    expect(
      looksLikeMime(
        head(
          'From: <Saved by Blink>\r\nSubject: x\r\nContent-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="b"\r\n\r\n--b',
        ),
      ),
    ).toBe(true);
    // A message part saved on its own: one multipart Content-Type.
    expect(looksLikeMime(head('Content-Type: multipart/mixed;\n\tboundary="b"\n\n--b'))).toBe(true);
  });

  it("does not take header-like text that is no MIME message", () => {
    // A Debian control file, Python package metadata, an HTTP response, a mailbox, a git patch, prose.
    expect(looksLikeMime(head("Package: x\nVersion: 1\nDescription: y\n\n"))).toBe(false);
    expect(
      looksLikeMime(head("Metadata-Version: 2.1\nName: x\nDescription-Content-Type: text/markdown\n\n")),
    ).toBe(false);
    expect(looksLikeMime(head("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>"))).toBe(false);
    expect(
      looksLikeMime(head("From a@b.c Sat Jan  1 00:00:00 2000\nFrom: a@b.c\nMIME-Version: 1.0\n\nx")),
    ).toBe(false);
    expect(looksLikeMime(head("Content-Type: text/plain\nstill headers, never ended"))).toBe(false);
    expect(looksLikeMime(head("Content-Type: text/plain\n\nOne field, not multipart."))).toBe(false);
    expect(looksLikeMime(head("Note: the race field\n\nis reserved."))).toBe(false);
    expect(looksLikeMime(head(`${"x".repeat(60_000)}: y\nContent-Type: multipart/mixed\n\n`))).toBe(false);
  });
});

describe("MIME messages", () => {
  it("an e-mail's quoted-printable body and base64 attachment are scanned decoded", async () => {
    const dir = tempFolder();
    writeFileSync(
      join(dir, "sdk-update.eml"),
      mimeMessage(
        ["From: vendor@example.com", "To: buyer@example.com", "Subject: =?utf-8?b?U0RLIOabtOaWsA==?="],
        [
          ["text/plain; charset=utf-8", "quoted-printable", quotedPrintable(BODY)],
          [
            "text/x-c",
            "base64",
            base64Lines(Buffer.from(HEADER)),
            'Content-Disposition: attachment; filename="sdk_face_attr.h"',
          ],
        ],
        "mixed",
      ),
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.find((c) => c.location.endsWith("sdk-update.eml"))?.format).toBe("mime");
    const uyghur = report.findings.find((f) => f.ruleId === "uyghur-xinjiang-label");
    expect(uyghur?.location).toMatch(/sdk-update\.eml!body\.txt$/u);
    expect(uyghur?.match).toBe("维吾尔族");
    expect(uyghur?.layers.at(-1)).toMatchObject({ via: "mime-text", element: "text body" });
    const member = report.findings.find((f) => f.match === "EM_NATION_TYPE_UYGUR");
    expect(member?.location).toMatch(/sdk-update\.eml!sdk_face_attr\.h$/u);
    expect(member?.offset).toBe(HEADER.indexOf("EM_NATION_TYPE_UYGUR"));
  });

  it("a page saved as MHTML is read as the page: its text, once", async () => {
    const dir = tempFolder();
    const page =
      "<!DOCTYPE html><html><body><table><tr><th>race</th><th>gender</th><th>age</th><th>glasses</th></tr></table>" +
      "<p>人脸属性：肤色（黄、白、黑）、性别、年龄</p></body></html>";
    writeFileSync(
      join(dir, "face.mhtml"),
      mimeMessage(
        ["From: <Saved by Blink>", "Snapshot-Content-Location: https://vendor.example/face", "Subject: Face"],
        [
          [
            "text/html",
            "quoted-printable",
            quotedPrintable(page),
            "Content-Location: https://vendor.example/face",
          ],
        ],
        'related; type="text/html"',
      ),
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.map((c) => c.location.replace(/^.*face\.mhtml/u, "face.mhtml")).sort()).toEqual([
      "face.mhtml",
      "face.mhtml!body.html",
      "face.mhtml!body.html!text.txt",
    ]);
    // 肤色 is quoted-printable in the file: found in the page.
    expect(report.findings.find((f) => f.match === "肤色")?.location).toMatch(
      /face\.mhtml!body\.html(!text\.txt)?$/u,
    );
    // "race" is in the file's own bytes: reported there, not again in the page or its text.
    const races = report.findings.filter((f) => f.match === "race");
    expect(races.map((f) => f.location)).toEqual([expect.stringMatching(/face\.mhtml$/u)]);
  });

  it("a saved page's resources are named by the URL they came from", async () => {
    const dir = tempFolder();
    const script = "const faceAttributes = ['gender', 'age', 'glasses', 'mask', 'skinColor', 'ethnicity'];\n";
    const longUrl = `https://vendor.example/static/js/${"chunk-".repeat(12)}face.js`;
    writeFileSync(
      join(dir, "console.mhtml"),
      mimeMessage(
        ["From: <Saved by Blink>", "Snapshot-Content-Location: https://vendor.example/", "Subject: Console"],
        [
          [
            "text/html",
            "quoted-printable",
            quotedPrintable("<!DOCTYPE html><html><body>console</body></html>"),
            "Content-Location: https://vendor.example/",
          ],
          // A long URL folded over two header lines, as RFC 2557 allows.
          [
            "text/javascript",
            "base64",
            base64Lines(Buffer.from(script)),
            `Content-Location: ${longUrl.slice(0, 50)}\r\n ${longUrl.slice(50)}`,
          ],
          [
            "text/css",
            "quoted-printable",
            quotedPrintable(".face { skin-color: none }"),
            "Content-Location: cid:css-frame-1@mhtml.blink",
          ],
          [
            "application/octet-stream",
            "base64",
            base64Lines(Buffer.from("no location")),
            "Content-ID: <x@y>",
          ],
        ],
        'related; type="text/html"',
      ),
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    const children = report.coverage
      .map((c) => c.location.replace(/^.*console\.mhtml/u, "console.mhtml"))
      .filter((location) => location.startsWith("console.mhtml!") && !location.includes("body.html"));
    expect(children.sort()).toEqual([
      `console.mhtml!${longUrl}`,
      "console.mhtml!part-2.css",
      "console.mhtml!part-3.bin",
    ]);
    expect(report.findings.find((f) => f.match === "skinColor")?.location).toMatch(
      /console\.mhtml!https:\/\/vendor\.example\/static\/js\//u,
    );
  });

  it("an HTML body that is a fragment gets its text too, with references decoded once", async () => {
    const dir = tempFolder();
    const fragment =
      "<div><p>人脸属性：<b>性别</b>、<b>年龄</b>、<b>眼镜</b>、<b>&#32932;&#33394;</b>（黄、白、黑）</p></div>";
    writeFileSync(
      join(dir, "note.eml"),
      mimeMessage(
        ["From: a@example.com", "Subject: note"],
        [["text/html; charset=utf-8", "base64", base64Lines(Buffer.from(fragment))]],
        "mixed",
      ),
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    const skin = report.findings.filter((f) => f.match === "肤色");
    expect(skin.map((f) => f.location)).toEqual([expect.stringMatching(/note\.eml!body\.html\.txt$/u)]);
  });

  it("a message attached to a message is opened in turn", async () => {
    const dir = tempFolder();
    const inner = mimeMessage(
      ["From: a@example.com", "Subject: inner"],
      [
        [
          "text/x-c",
          "base64",
          base64Lines(Buffer.from(HEADER)),
          'Content-Disposition: attachment; filename="face.h"',
        ],
      ],
      "mixed",
      "inner-boundary",
    );
    writeFileSync(
      join(dir, "forward.eml"),
      mimeMessage(
        ["From: b@example.com", "Subject: Fwd: inner"],
        [
          ["text/plain", "7bit", "See attached."],
          ["message/rfc822", "7bit", inner.toString("latin1"), "Content-Disposition: attachment"],
        ],
        "mixed",
      ),
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    const member = report.findings.find((f) => f.match === "EM_NATION_TYPE_UYGUR");
    expect(member?.location).toMatch(/forward\.eml!part-1\.eml!face\.h$/u);
  });

  it("a message of more parts than the budget allows says so", async () => {
    const dir = tempFolder();
    const parts = Array.from({ length: 5 }, (_, index): [string, string, string, string] => [
      "application/octet-stream",
      "base64",
      base64Lines(Buffer.from(`part ${index}`)),
      `Content-Disposition: attachment; filename="p${index}.bin"`,
    ]);
    writeFileSync(join(dir, "many.eml"), mimeMessage(["From: a@example.com"], parts, "mixed"));
    const report = await scan({ paths: [dir], jobs: 1, budgets: { maxMembers: 3 } });
    expect(report.coverage.find((c) => c.location.endsWith("many.eml"))).toMatchObject({
      status: "partial",
      reason: "budget-members",
    });
    expect(report.coverage.filter((c) => c.location.includes("many.eml!"))).toHaveLength(3);
  });
});
