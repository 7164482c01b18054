// 人证核验终端 身份证信息 (fictional sample)
typedef struct tagNET_CITIZEN_IDCARD_INFO
{
    char        szName[64];         // 姓名
    int         nSex;               // 性别 1-男 2-女
    int         nEthnicity;         // 民族编码 GB/T 3304, 1-汉 ... 5-维吾尔
    char        szNation[32];       // 民族名称
    char        szBirth[16];        // 出生日期 yyyyMMdd
    char        szAddress[128];     // 住址
    char        szIDNumber[20];     // 公民身份号码
    char        szIssueAuthority[64];   // 签发机关
    char        szValidDate[40];    // 有效期限
} NET_CITIZEN_IDCARD_INFO;
