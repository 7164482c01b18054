/* beauty_params.h - real-time beautify filter of the video call app (fictional sample) */
#pragma once

typedef enum {
    BEAUTY_SKIN_TONE_FAIR = 0,
    BEAUTY_SKIN_TONE_LIGHT,
    BEAUTY_SKIN_TONE_MEDIUM,
    BEAUTY_SKIN_TONE_TAN,
    BEAUTY_SKIN_TONE_DEEP,
} BeautySkinTone;   /* foundation shade chosen by the user */

typedef struct {
    float smoothing;        /* 0..1 skin smoothing */
    float whitening;        /* 0..1 brightening */
    float face_slim;        /* 0..1 */
    float eye_enlarge;      /* 0..1 */
    float lipstick_alpha;   /* 0..1 */
    BeautySkinTone foundation_shade;
    unsigned int lipstick_rgb;
} BeautyParams;

int beauty_apply(void *frame, const BeautyParams *params);
