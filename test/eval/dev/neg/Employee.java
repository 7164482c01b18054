package com.example.attendance.entity;

import lombok.Data;

import java.time.LocalDate;

/** 员工档案: filled in by HR at onboarding; the face photo is enrolled for check-in at the gate. */
@Data
public class Employee {
    private Long id;
    private String employeeNo;     // 工号
    private String name;           // 姓名
    private String gender;         // 性别
    private String nation;         // 民族 (员工自填)
    private String politicalStatus;// 政治面貌 (员工自填)
    private String education;      // 学历
    private String department;     // 部门
    private LocalDate hireDate;    // 入职日期
    private String facePhotoUrl;   // 人脸照片, 用于考勤识别
    private String faceFeatureId;  // 人脸特征ID
}
