/* avatar_config.h - look-alike avatar editor of the console menu (fictional sample) */
#pragma once
#include <stdint.h>

typedef enum {
    AVATAR_GENDER_MALE = 0,
    AVATAR_GENDER_FEMALE = 1,
} AvatarGender;

/* Preset face templates offered by the editor */
typedef enum {
    AVATAR_RACE_BLACK = 0,
    AVATAR_RACE_WHITE = 1,
    AVATAR_RACE_ASIAN = 2,
} AvatarRace;

typedef struct {
    uint8_t      version;
    AvatarGender gender;
    uint8_t      age;           /* shown age bracket of the avatar */
    AvatarRace   race;          /* template the editor starts from */
    uint8_t      face_shape;
    uint8_t      hair_style;
    uint8_t      eye_type;
    uint8_t      glasses_type;
    uint8_t      favorite_color;
    char         nickname[20];
} AvatarData;
