#!/usr/bin/env python3
"""Batch face attribute extraction against the Face++ style detect endpoint (fictional sample)."""
import json
import sys

import requests

DETECT_URL = "https://api-cn.faceplusplus.com/facepp/v3/detect"
API_KEY = "<your key>"
API_SECRET = "<your secret>"


def detect(image_path):
    with open(image_path, "rb") as fh:
        resp = requests.post(
            DETECT_URL,
            data={
                "api_key": API_KEY,
                "api_secret": API_SECRET,
                "return_landmark": 0,
                "return_attributes": "gender,age,smiling,headpose,facequality,blur,eyestatus,emotion,ethnicity,beauty,mouthstatus,eyegaze,skinstatus",
            },
            files={"image_file": fh},
            timeout=10,
        )
    resp.raise_for_status()
    return resp.json()


if __name__ == "__main__":
    for path in sys.argv[1:]:
        for face in detect(path).get("faces", []):
            attrs = face["attributes"]
            print(json.dumps({
                "file": path,
                "gender": attrs["gender"]["value"],
                "age": attrs["age"]["value"],
                "ethnicity": attrs["ethnicity"]["value"],
            }, ensure_ascii=False))
