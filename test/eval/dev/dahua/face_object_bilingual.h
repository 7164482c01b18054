/* intelli_object.h - 智能物体信息;Intelligent object info (fictional NetSDK-style sample) */
#pragma once

///@brief 民族;Nation
typedef enum tagEM_NATION_TYPE
{
    EM_NATION_TYPE_UNKNOWN,                 // 未知;unknown
    EM_NATION_TYPE_UYGUR,                   // 维族(新疆);uygur
    EM_NATION_TYPE_OTHER,                   // 其他;other
    EM_NATION_TYPE_UNIDENTIFIED,            // 设备未识别;unidentified
} EM_NATION_TYPE;

///@brief 人脸物体信息;Face object info
typedef struct tagFACE_INFO_OBJECT
{
    int                 nSex;               // 性别;Sex
    int                 nAge;               // 年龄;Age
    int                 nEye;               // 眼睛;Eye
    int                 nMouth;             // 嘴巴;Mouth
    int                 nGlass;             // 眼镜;Glasses
    int                 nComplexion;        // 肤色;Complexion
    EM_NATION_TYPE      ST_emNation;        // 民族;Nation
    char                szReserved[252];    // 保留字节;Reserved
} FACE_INFO_OBJECT;
