#ifndef AVNETSDK_ATTR_H
#define AVNETSDK_ATTR_H

typedef enum tagEM_NATION_TYPE
{
    EM_NATION_TYPE_UNKNOWN,
    EM_NATION_TYPE_UYGUR,
    EM_NATION_TYPE_OTHER,
    EM_NATION_TYPE_UNIDENTIFIED,
} EM_NATION_TYPE;

typedef enum tagEM_RACE_TYPE
{
    EM_RACE_TYPE_UNKNOWN,
    EM_RACE_TYPE_NODISTI,
    EM_RACE_TYPE_YELLOW,
    EM_RACE_TYPE_BLACK,
    EM_RACE_TYPE_WHITE,
} EM_RACE_TYPE;

typedef struct tagNET_FACE_FILTER_CONDTION
{
    DWORD                   dwSize;
    NET_TIME                stStartTime;
    NET_TIME                stEndTime;
    char                    szMachineAddress[260];
    int                     nRangeNum;
    BYTE                    szRange[8];
    EM_FACE_DB_TYPE         emFaceType;
    int                     nGroupIdNum;
    char                    szGroupId[128][64];
    int                     nSimilaryRangeNum;
    int                     nSimilary[2];
    EM_SEX_TYPE             emSex;
    int                     nAge[2];
    EM_RACE_TYPE            emRace;
    EM_NATION_TYPE          emNation;
} NET_FACE_FILTER_CONDTION;

#endif
