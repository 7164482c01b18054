/* NetDEVSDK.h - face structured data (fictional NetDEV-style sample for the custodiet eval) */
#ifndef _NETDEV_SDK_H_
#define _NETDEV_SDK_H_

/**
 * @enum tagNETDEVSkinColorType
 * @brief 肤色类型 Skin color type
 */
typedef enum tagNETDEVSkinColorType
{
    NETDEV_SKINCOLOR_TYPE_WHITE     = 0,        /* 白皮肤 White */
    NETDEV_SKINCOLOR_TYPE_BLACK     = 1,        /* 黑皮肤 Black */
    NETDEV_SKINCOLOR_TYPE_YELLOW    = 2,        /* 黄皮肤 Yellow */
    NETDEV_SKINCOLOR_TYPE_BROWN     = 3,        /* 棕皮肤 Brown */
    NETDEV_SKINCOLOR_TYPE_UNKNOWN   = 0xFF      /* 未知 Unknown */
}NETDEV_SKINCOLOR_TYPE_E;

/**
 * @struct tagNETDEVFaceAttr
 * @brief 人脸属性 Face attributes
 */
typedef struct tagNETDEVFaceAttr
{
    UINT32  udwGender;              /* 性别 Gender, see NETDEV_GENDER_TYPE_E */
    UINT32  udwAge;                 /* 年龄 Age */
    UINT32  udwAgeRange;            /* 年龄段 Age range */
    UINT32  udwGlasses;             /* 眼镜 Glasses */
    UINT32  udwMouthMask;           /* 口罩 Mask */
    UINT32  udwMustache;            /* 胡子 Mustache */
    UINT32  udwSkinColor;           /* 肤色 Skin color, see NETDEV_SKINCOLOR_TYPE_E */
    UINT32  udwEmotion;             /* 表情 Emotion */
    BYTE    byRes[64];              /* 保留 Reserved */
}NETDEV_FACE_ATTR_S, *LPNETDEV_FACE_ATTR_S;

#endif
