/* face feature selection for face detection event config (fictional NetSDK-style sample) */

// 人脸检测需要识别的人脸特征
typedef enum tagNET_EM_FACEFEATURE_TYPE
{
    NET_EM_FACEFEATURE_UNKNOWN,         // 未知
    NET_EM_FACEFEATURE_SEX,             // 性别
    NET_EM_FACEFEATURE_AGE,             // 年龄
    NET_EM_FACEFEATURE_EMOTION,         // 表情
    NET_EM_FACEFEATURE_GLASSES,         // 眼镜
    NET_EM_FACEFEATURE_EYE,             // 眼睛状态
    NET_EM_FACEFEATURE_MOUTH,           // 嘴巴状态
    NET_EM_FACEFEATURE_MASK,            // 口罩
    NET_EM_FACEFEATURE_BEARD,           // 胡子
    NET_EM_FACEFEATURE_ATTRACTIVE,      // 魅力值
    NET_EM_FACEFEATURE_RACE,            // 种族
} NET_EM_FACEFEATURE_TYPE;

typedef struct tagNET_FACEDETECT_FEATURE_CFG
{
    int                         nFeatureNum;        // 需要显示的特征个数
    NET_EM_FACEFEATURE_TYPE     emFeature[32];      // 需要显示的特征
    BOOL                        bFeatureFilter;     // 是否开启人脸质量过滤
    int                         nMinQuality;        // 人脸图片质量阈值
} NET_FACEDETECT_FEATURE_CFG;
