/* human body attributes of the structured video analytics (fictional NetSDK-style sample) */
#pragma once

// 衣服颜色
typedef enum tagEM_CLOTHES_COLOR
{
    EM_CLOTHES_COLOR_UNKNOWN,       // 未知
    EM_CLOTHES_COLOR_WHITE,         // 白色
    EM_CLOTHES_COLOR_ORANGE,        // 橙色
    EM_CLOTHES_COLOR_PINK,          // 粉色
    EM_CLOTHES_COLOR_BLACK,         // 黑色
    EM_CLOTHES_COLOR_RED,           // 红色
    EM_CLOTHES_COLOR_YELLOW,        // 黄色
    EM_CLOTHES_COLOR_GRAY,          // 灰色
    EM_CLOTHES_COLOR_BLUE,          // 蓝色
} EM_CLOTHES_COLOR;

// 人体属性
typedef struct tagNET_HUMAN_ATTRIBUTES
{
    int                 nSex;               // 性别 0-未知 1-男 2-女
    int                 nAge;               // 年龄
    EM_CLOTHES_COLOR    emUpperBodyColor;   // 上衣颜色
    EM_CLOTHES_COLOR    emLowerBodyColor;   // 下衣颜色
    int                 nHasHat;            // 是否戴帽子
    int                 nHasBag;            // 是否背包
    int                 nHasUmbrella;       // 是否打伞
    char                szReserved[64];
} NET_HUMAN_ATTRIBUTES;
