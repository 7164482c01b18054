/* face_capture.h - face capture attributes of an access terminal (fictional sample) */
#pragma once

// 表情
typedef enum tagEM_EMOTION
{
    EM_EMOTION_UNKNOWN,     // 未知
    EM_EMOTION_CALM,        // 平静
    EM_EMOTION_HAPPY,       // 高兴
    EM_EMOTION_SURPRISE,    // 惊讶
} EM_EMOTION;

// 人脸抓拍属性
typedef struct tagNET_FACE_CAPTURE_ATTR
{
    int             nSex;           // 性别 0-未知 1-男 2-女
    int             nAge;           // 年龄
    int             nGlasses;       // 眼镜 0-未知 1-无 2-普通眼镜 3-太阳镜
    int             nMask;          // 口罩 0-未知 1-未戴 2-戴
    int             nBeard;         // 胡子
    int             nHat;           // 帽子
    EM_EMOTION      emEmotion;      // 表情
    float           fTemperature;   // 体温(测温型号)
    int             nQuality;       // 人脸质量评分
    char            szReserved[128];
} NET_FACE_CAPTURE_ATTR;
