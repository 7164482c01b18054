typedef struct tagNETDEVFaceSearchCond
{
    INT32   dwChannelID;
    INT64   tBeginTime;
    INT64   tEndTime;
    UINT32  udwLibNum;
    UINT32  audwLibIDs[16];
    UINT32  udwSimilarity;
    UINT32  udwGender;
    UINT32  udwAgeRange;
    UINT32  udwGlasses;
    UINT32  udwSkinColor;
    UINT32  udwMouthMask;
    BYTE    byRes[128];
}NETDEV_FACE_SEARCH_COND_S, *LPNETDEV_FACE_SEARCH_COND_S;
