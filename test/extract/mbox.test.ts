import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { base64Lines, mimeMessage, quotedPrintable } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { looksLikeMbox } from "../../src/extract/mbox-extractor.js";
import { tempFolder } from "../helpers.js";
import { childBytes, cleanupTempDirs, runOnce } from "./drive.js";

const HEADER =
  "typedef enum tagEM_NATION_TYPE {\n    EM_NATION_TYPE_HAN,\n    EM_NATION_TYPE_UYGUR,\n} EM_NATION_TYPE;\n";
const SEPARATOR = "From vendor@example.com Sat Jan  4 10:00:00 2020\n";

/** A mailbox of these messages, each after its separator line and a blank line before the next. */
function mailbox(messages: readonly string[]): string {
  return messages
    .map((message) => `${SEPARATOR}${message.replace(/\r\n/gu, "\n").replace(/\n*$/u, "\n")}\n`)
    .join("");
}

async function messagesOf(text: string): Promise<{ offset: number; text: string }[]> {
  const run = await runOnce(Buffer.from(text, "latin1"), { name: "box.mbox" });
  expect(run.format).toBe("mbox");
  expect(run.events.length).toBe(run.children.length);
  const messages: { offset: number; text: string }[] = [];
  for (const child of run.children)
    messages.push({
      offset: child.offsetInParent!,
      text: Buffer.from(await childBytes(child)).toString("latin1"),
    });
  return messages;
}

afterAll(cleanupTempDirs);

describe("looksLikeMbox", () => {
  it("takes a separator line followed by a header field", () => {
    expect(looksLikeMbox(Buffer.from(`${SEPARATOR}From: a@b.c\nSubject: x\n\nbody\n`))).toBe(true);
    expect(looksLikeMbox(Buffer.from(`${SEPARATOR}Return-Path: <a@b.c>\n`))).toBe(true);
  });

  it("does not take prose or a patch that begins with From", () => {
    expect(looksLikeMbox(Buffer.from("From here on, the race field is reserved.\nIt is not used.\n"))).toBe(
      false,
    );
    expect(looksLikeMbox(Buffer.from("From: a@b.c\nSubject: x\n\n"))).toBe(false);
    expect(looksLikeMbox(Buffer.from("From 1234 Mon Sep 17 00:00:00 2001"))).toBe(false);
  });
});

describe("mailboxes", () => {
  it("are split into their messages at their offsets, not at a From line inside a body", async () => {
    const first = "From: a@example.com\nSubject: one\n\nHello.\n\nFrom the team, as agreed:\nnothing else.\n";
    const second = "From: b@example.com\nSubject: two\n\nSecond.\n";
    const text = mailbox([first, second]);
    const messages = await messagesOf(text);
    expect(messages.map((m) => m.text)).toEqual([`${first}\n`, `${second}\n`]);
    expect(messages.map((m) => m.offset)).toEqual([SEPARATOR.length, text.indexOf(second)]);
  });

  it("are split the same way across the pieces they are read in, and past lines too long to be a separator", async () => {
    const long = "x".repeat(200_000);
    const messages = Array.from({ length: 40 }, (_, index) => {
      const pad = "y"
        .repeat(61)
        .concat("\n")
        .repeat(800 + index * 37);
      return `From: m${index}@example.com\nSubject: ${index}\n\n${pad}${index % 7 === 0 ? `${long}\n` : ""}end ${index}\n`;
    });
    const text = mailbox(messages);
    expect(text.length).toBeGreaterThan(3 << 20);
    const found = await messagesOf(text);
    expect(found.map((m) => m.text)).toEqual(messages.map((m) => `${m}\n`));
    expect(found.map((m) => m.offset)).toEqual(messages.map((m) => text.indexOf(m)));
  });

  it("are split where a separator and its header line straddle the end of a piece read", async () => {
    for (const before of [3, 20, SEPARATOR.length + 5]) {
      // The second separator starts `before` bytes ahead of the first piece's end (1 MiB).
      const head = `${SEPARATOR}From: a@example.com\n\n`;
      const fill = (1 << 20) - before - head.length - 1;
      const first = `From: a@example.com\n\n${"z".repeat(fill - 1)}\n`;
      const second = "From: b@example.com\nSubject: two\n\nSecond.\n";
      const text = mailbox([first, second]);
      expect(text.indexOf(SEPARATOR, 1)).toBe((1 << 20) - before);
      const found = await messagesOf(text);
      expect(found.map((m) => m.offset)).toEqual([SEPARATOR.length, text.indexOf(second)]);
      expect(found[1]?.text).toBe(`${second}\n`);
    }
  });

  it("are scanned message by message: bodies, attachments, each message's offset in the mailbox", async () => {
    const dir = tempFolder();
    const body = `新版人脸属性接口：${"性别、年龄、眼镜、口罩、".repeat(3)}民族（汉族、维吾尔族、其他）。\n`;
    const text = mailbox([
      "From: a@example.com\nSubject: hello\n\nHello.\n",
      mimeMessage(
        ["From: vendor@example.com", "Subject: SDK"],
        [
          ["text/plain; charset=utf-8", "quoted-printable", quotedPrintable(body)],
          [
            "text/x-c",
            "base64",
            base64Lines(Buffer.from(HEADER)),
            'Content-Disposition: attachment; filename="face.h"',
          ],
        ],
        "mixed",
      ).toString("latin1"),
    ]);
    writeFileSync(join(dir, "Inbox"), Buffer.from(text, "latin1"));
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.find((c) => c.location.endsWith("Inbox"))?.format).toBe("mbox");
    const uyghur = report.findings.find((f) => f.ruleId === "uyghur-xinjiang-label");
    expect(uyghur?.location).toMatch(/Inbox!message-2\.eml!body\.txt$/u);
    const member = report.findings.find((f) => f.match === "EM_NATION_TYPE_UYGUR");
    expect(member?.location).toMatch(/Inbox!message-2\.eml!face\.h$/u);
    expect(member?.layers[1]?.offsetInParent).toBe(text.indexOf("From: vendor@example.com"));
  });
});
