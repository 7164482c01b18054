/* HCNetSDK.h - English edition excerpt (fictional sample for the custodiet eval) */

//Human feature
typedef struct tagNET_VCA_HUMAN_FEATURE
{
    BYTE   byAgeGroup;    //Age group, see HUMAN_AGE_GROUP_ENUM
    BYTE   bySex;         //Gender: 0-unknown (not supported by the algorithm), 1-male, 2-female, 0xff-supported but not recognized
    BYTE   byEyeGlass;    //Wearing glasses: 0-unknown, 1-no, 2-yes, 0xff-supported but not recognized
    BYTE   byAge;         //Age: 0-unknown, 0xff-supported but not recognized
    BYTE   byAgeDeviation;//Age deviation
    BYTE   byEthnic;      //Reserved, not available yet
    BYTE   byMask;        //Wearing mask: 0-unknown, 1-no, 2-yes
    BYTE   bySmile;       //Smiling: 0-unknown, 1-no, 2-yes
    BYTE   byFaceExpression;    /* Facial expression, see FACE_EXPRESSION_GROUP_ENUM */
    BYTE   byBeard;       //Beard: 0-not supported, 1-no beard, 2-beard
    BYTE   byRace;        //Race: 0-not supported, 1-Asian, 2-Black, 3-White, 0xff-unknown
    BYTE   byHat;         //Hat: 0-not supported, 1-no, 2-yes
    BYTE   byRes[4];      //Reserved
}NET_VCA_HUMAN_FEATURE, *LPNET_VCA_HUMAN_FEATURE;
