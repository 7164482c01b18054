# -*- coding: utf-8 -*-
from enum import IntEnum


class EM_COMPLEXION_TYPE(IntEnum):
    """肤色"""
    EM_COMPLEXION_NODISTI = 0  # 未识别
    EM_COMPLEXION_YELLOW = 1  # 黄
    EM_COMPLEXION_BLACK = 2  # 黑
    EM_COMPLEXION_WHITE = 3  # 白


def describe_face(face):
    """Formats a FACE_INFO_OBJECT returned by the analyser."""
    return "sex=%s age=%d glasses=%s complexion=%s" % (
        face.emSex,
        face.nAge,
        face.emGlasses,
        EM_COMPLEXION_TYPE(face.emComplexion).name,
    )
