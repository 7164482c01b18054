/* isp_face.h - ISP face exposure and skin tone enhancement of a conference camera (fictional sample) */
#pragma once

typedef struct {
    int enable;             /* 人脸曝光 enable face-priority exposure */
    int target_luma;        /* 人脸目标亮度 */
    int skin_tone_enhance;  /* 肤色增强 0-100, keeps skin hues natural under mixed light */
    int skin_smooth;        /* 磨皮强度 */
    int face_roi_weight;    /* 人脸区域测光权重 */
} isp_face_cfg_t;

int isp_set_face_cfg(int dev, const isp_face_cfg_t *cfg);
