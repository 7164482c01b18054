package com.example.ocr.idcard;

/** Front side of a second-generation resident ID card, as returned by the OCR engine. */
public class IdCardOcrResult {
    private String name;        // 姓名
    private String sex;         // 性别
    private String nation;      // 民族
    private String birth;       // 出生
    private String address;     // 住址
    private String idNumber;    // 公民身份号码

    public String getNation() {
        return nation;
    }

    public void setNation(String nation) {
        this.nation = nation;
    }

    @Override
    public String toString() {
        return name + "/" + sex + "/" + nation + "/" + birth + "/" + idNumber;
    }
}
