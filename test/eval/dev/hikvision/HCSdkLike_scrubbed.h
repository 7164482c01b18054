#ifndef _HC_NET_SDK_H_
#define _HC_NET_SDK_H_

typedef struct tagNET_VCA_HUMAN_FEATURE
{
    BYTE   byAgeGroup;    //_
    BYTE   bySex;         //_
    BYTE   byEyeGlass;    //_
    BYTE   byAge;         //_
    BYTE   byAgeDeviation;//_
    BYTE   byRes0;        //_
    BYTE   byMask;        //_
    BYTE   bySmile;       //_
    BYTE   byFaceExpression;    /*_*/
    BYTE   byBeard;       //_
    BYTE   byRace;        //_
    BYTE   byHat;         //_
    BYTE   byRes[4];      //_
}NET_VCA_HUMAN_FEATURE, *LPNET_VCA_HUMAN_FEATURE;

typedef struct tagNET_VCA_FACESNAP_ADDINFO
{
    NET_VCA_RECT    struFacePicRect;  //_
    int             iSwingAngle;      //_
    int             iTiltAngle;       //_
    DWORD           dwPupilDistance;  //_
    BYTE            byBlockingState;  //_
    BYTE            byFaceSnapThermometryEnabled;//_
    BYTE            byIsAbnomalTemperature;//_
    BYTE            byThermometryUnit;//_
    BYTE            byRes[172];       //_
}NET_VCA_FACESNAP_ADDINFO, *LPNET_VCA_FACESNAP_ADDINFO;

#endif
