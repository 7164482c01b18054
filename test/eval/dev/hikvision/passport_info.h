/* Passport reader structures of an entry-exit terminal (fictional HCNetSDK-style sample) */
#define MAX_PASSPORT_NAME_LEN   128
#define MAX_PASSPORT_NUM_LEN    32

typedef struct tagNET_DVR_PASSPORT_INFO
{
    DWORD         dwSize;
    BYTE          byOCR;                                 //0-electronic, 1-OCR
    BYTE          byRes1[3];
    BYTE          byName[MAX_PASSPORT_NAME_LEN];         //holder name
    BYTE          byPassportNo[MAX_PASSPORT_NUM_LEN];    //passport number
    BYTE          bySex;                                 //1-male, 2-female
    NET_DVR_DATE  struBirth;                             //date of birth
    NET_DVR_DATE  struExpireDate;                        //date of expiry
    WORD          wNationalityID;                        //nationality (country code table)
    WORD          wIssuingCountryID;                     //issuing country
    BYTE          byMRZ1[48];
    BYTE          byMRZ2[48];
    BYTE          byRes[256];
}NET_DVR_PASSPORT_INFO, *LPNET_DVR_PASSPORT_INFO;
