# -*- coding: utf-8 -*-
"""人脸检测与属性分析 (fictional client of a Baidu-style face API)."""
import base64

from aip import AipFace

APP_ID = "xxxxxxx"
API_KEY = "xxxxxxxx"
SECRET_KEY = "xxxxxxxxxxxx"

client = AipFace(APP_ID, API_KEY, SECRET_KEY)


def analyse(path):
    with open(path, "rb") as fp:
        image = base64.b64encode(fp.read()).decode()
    options = {
        "face_field": "age,beauty,expression,face_shape,gender,glasses,landmark,race,quality,eye_status,emotion,face_type,mask",
        "max_face_num": 10,
        "face_type": "LIVE",
    }
    result = client.detect(image, "BASE64", options)
    faces = []
    for face in result["result"]["face_list"]:
        faces.append({
            "age": face["age"],
            "gender": face["gender"]["type"],
            "race": face["race"]["type"],  # yellow / white / black / arabs
        })
    return faces
