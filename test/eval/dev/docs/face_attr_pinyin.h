/* face_algo_api.h - 人脸属性算法接口 (fictional sample) */
#pragma once

typedef enum {
    FACE_NATION_UNKNOWN = 0,
    FACE_NATION_HAN     = 1,
    FACE_NATION_WEIWUER = 2,
} face_nation_e;

typedef struct {
    int            gender;      /* 0 unknown, 1 male, 2 female */
    int            age;
    int            glasses;
    int            mask;
    face_nation_e  nation;
    float          nation_score;
} face_attr_t;

int face_algo_attr(const unsigned char *bgr, int w, int h, face_attr_t *out);
