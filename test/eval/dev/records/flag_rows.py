"""Marks resident records before the weekly import into the control platform (fictional sample)."""
import pandas as pd

src = pd.read_excel("residents.xlsx", dtype=str)

src["是否维族"] = (src["民族"] == "维吾尔族").astype(int)
src["涉疆人员"] = src["户籍地址"].str.startswith("新疆").astype(int)
src["重点人员"] = ((src["是否维族"] == 1) | (src["涉疆人员"] == 1)).astype(int)

src[src["重点人员"] == 1].to_csv("key_persons.csv", index=False, encoding="utf-8-sig")
