package com.example.acs.model;

/**
 * ID card data reported by the access-control terminal (NET_DVR_ID_CARD_INFO).
 */
public class IdCardInfo {
    private String name;        // 姓名
    private int sex;            // 性别 1-男 2-女
    private int byNation;       // 民族 1-汉 2-蒙古 3-回 4-藏 5-维吾尔 ...
    private String birth;       // 出生日期
    private String addr;        // 住址
    private String idNum;       // 身份证号码
    private String issuingAuthority; // 签发机关

    public int getByNation() {
        return byNation;
    }

    public void setByNation(int byNation) {
        this.byNation = byNation;
    }
}
