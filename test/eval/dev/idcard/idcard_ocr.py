"""Parses the text lines of an ID card front side recognised by the OCR model (fictional sample)."""
import re

FIELDS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")


def parse_front(lines):
    card = {}
    text = "".join(lines)
    m = re.search(r"性别(.)民族(.+?)出生", text)
    if m:
        card["sex"], card["ethnicity"] = m.group(1), m.group(2)
    m = re.search(r"公民身份号码(\d{17}[\dX])", text)
    if m:
        card["id_number"] = m.group(1)
    m = re.search(r"姓名(.+?)性别", text)
    if m:
        card["name"] = m.group(1)
    return card
