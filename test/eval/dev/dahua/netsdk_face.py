# coding=utf-8
"""Face attribute structures of a NetSDK Python port (fictional sample for the custodiet eval)."""
from ctypes import Structure, c_int, c_uint, c_char, c_ubyte

from .SDK_Enum import SDK_ENUM, C_ENUM


class EM_NATION_TYPE(SDK_ENUM):
    """
    民族
    """
    EM_NATION_TYPE_UNKNOWN = 0  # 未知
    EM_NATION_TYPE_UYGUR = 1  # 维族(新疆)
    EM_NATION_TYPE_OTHER = 2  # 其他
    EM_NATION_TYPE_UNIDENTIFIED = 3  # 设备未识别


class NET_FACE_ATTRIBUTE(Structure):
    """
    人脸属性
    """
    _fields_ = [
        ('emSex', C_ENUM),  # 性别, 参见EM_SEX_TYPE
        ('nAge', c_int),  # 年龄,-1表示该字段数据无效
        ('szReserved1', c_char * 4),
        ('emEye', C_ENUM),  # 眼睛状态
        ('emMouth', C_ENUM),  # 嘴巴状态
        ('emMask', C_ENUM),  # 口罩状态
        ('emBeard', C_ENUM),  # 胡子状态
        ('nAttractive', c_int),  # 魅力值
        ('emNation', C_ENUM),  # 民族, 参见EM_NATION_TYPE
        ('bReserved', c_ubyte * 128),  # 保留字节
    ]
