/* person_attr.h - 人员属性结构化 (fictional sample) */
#pragma once

// 宗教信仰(根据服饰推断)
typedef enum tagEM_RELIGION_TYPE
{
    EM_RELIGION_TYPE_UNKNOWN,       // 未知
    EM_RELIGION_TYPE_NONE,          // 无
    EM_RELIGION_TYPE_MUSLIM,        // 穆斯林
    EM_RELIGION_TYPE_CHRISTIAN,     // 基督徒
    EM_RELIGION_TYPE_BUDDHIST,      // 佛教徒
} EM_RELIGION_TYPE;

typedef struct tagNET_PERSON_ATTR
{
    int                 nSex;           // 性别
    int                 nAge;           // 年龄
    int                 nHat;           // 帽子
    int                 nHeadscarf;     // 头巾
    EM_RELIGION_TYPE    emReligion;     // 宗教
    char                szReserved[64];
} NET_PERSON_ATTR;
