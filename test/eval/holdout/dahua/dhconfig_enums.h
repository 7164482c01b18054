/* dhconfigsdk_enums.h (fictional NetSDK-style sample) */
#pragma once

// 车身颜色
typedef enum tagEM_OBJECT_COLOR_TYPE
{
    EM_OBJECT_COLOR_UNKNOWN,        // 未知
    EM_OBJECT_COLOR_WHITE,          // 白色
    EM_OBJECT_COLOR_BLACK,          // 黑色
    EM_OBJECT_COLOR_YELLOW,         // 黄色
    EM_OBJECT_COLOR_RED,            // 红色
} EM_OBJECT_COLOR_TYPE;

// 肤色
typedef enum tagEM_COMPLEXION_TYPE
{
    EM_COMPLEXION_NODISTI,          // 未识别
    EM_COMPLEXION_YELLOW,           // 黄
    EM_COMPLEXION_BLACK,            // 黑
    EM_COMPLEXION_WHITE,            // 白
} EM_COMPLEXION_TYPE;

// 交通灯颜色
typedef enum tagEM_TRAFFIC_LIGHT_COLOR
{
    EM_TRAFFIC_LIGHT_RED,
    EM_TRAFFIC_LIGHT_YELLOW,
    EM_TRAFFIC_LIGHT_GREEN,
} EM_TRAFFIC_LIGHT_COLOR;
