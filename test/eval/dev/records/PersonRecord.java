package com.example.platform.entity;

import javax.persistence.*;
import java.util.Date;

@Entity
@Table(name = "t_person_record")
public class PersonRecord {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "xm")
    private String name;          // 姓名

    @Column(name = "sfzh")
    private String idNumber;      // 身份证号

    @Column(name = "sfwz")
    private Integer sfwz;         // 是否维族 0-否 1-是

    @Column(name = "sjry")
    private Integer sheJiang;     // 涉疆人员 0-否 1-是

    @Column(name = "lrsj")
    private Date createdAt;       // 录入时间

    public boolean needsAlert() {
        return Integer.valueOf(1).equals(sfwz) || Integer.valueOf(1).equals(sheJiang);
    }
}
