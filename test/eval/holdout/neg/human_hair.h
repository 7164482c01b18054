/* 人体属性 头发 (fictional NetSDK-style sample) */
typedef enum tagEM_HAIR_COLOR
{
    EM_HAIR_COLOR_UNKNOWN,          // 未知
    EM_HAIR_COLOR_BLACK,            // 黑色
    EM_HAIR_COLOR_YELLOW,           // 黄色
    EM_HAIR_COLOR_WHITE,            // 白色
} EM_HAIR_COLOR;

typedef struct tagNET_HUMAN_HEAD_ATTR
{
    int             nSex;           // 性别
    int             nAge;           // 年龄
    EM_HAIR_COLOR   emHairColor;    // 发色
    int             nHairStyle;     // 发型 0-未知 1-长发 2-短发 3-光头
    int             nHat;           // 帽子
    int             nGlasses;       // 眼镜
} NET_HUMAN_HEAD_ATTR;
