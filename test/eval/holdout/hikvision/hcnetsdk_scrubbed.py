from ctypes import *


class NET_VCA_HUMAN_FEATURE(Structure):
    _fields_ = [
        ("byAgeGroup", c_ubyte),  # _
        ("bySex", c_ubyte),  # _
        ("byEyeGlass", c_ubyte),  # _
        ("byAge", c_ubyte),  # _
        ("byAgeDeviation", c_ubyte),  # _
        ("byRes0", c_ubyte),  # _
        ("byMask", c_ubyte),  # _
        ("bySmile", c_ubyte),  # _
        ("byFaceExpression", c_ubyte),  # _
        ("byBeard", c_ubyte),  # _
        ("byRace", c_ubyte),  # _
        ("byHat", c_ubyte),  # _
        ("byRes", c_ubyte * 4),  # _
    ]
