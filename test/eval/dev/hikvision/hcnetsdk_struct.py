from ctypes import Structure, c_byte, c_ubyte, c_uint32


class NET_VCA_HUMAN_FEATURE(Structure):
    _fields_ = [
        ("byAgeGroup", c_ubyte),  # 年龄段
        ("bySex", c_ubyte),  # 性别
        ("byEyeGlass", c_ubyte),  # 是否戴眼镜
        ("byAge", c_ubyte),  # 年龄
        ("byAgeDeviation", c_ubyte),  # 年龄误差值
        ("byEthnic", c_ubyte),  # 字段预留, 暂不开放
        ("byMask", c_ubyte),  # 是否戴口罩
        ("bySmile", c_ubyte),  # 是否微笑
        ("byFaceExpression", c_ubyte),  # 表情
        ("byBeard", c_ubyte),  # 胡子
        ("byRace", c_ubyte),  # 人种
        ("byHat", c_ubyte),  # 帽子
        ("byRes", c_byte * 4),
    ]


LPNET_VCA_HUMAN_FEATURE = NET_VCA_HUMAN_FEATURE
