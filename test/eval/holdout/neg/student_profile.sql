-- 学生学籍信息 (校园一卡通/人脸门禁系统)
CREATE TABLE student_info (
    id              BIGINT PRIMARY KEY,
    student_no      VARCHAR(20) NOT NULL,   -- 学号
    name            VARCHAR(32) NOT NULL,   -- 姓名
    gender          CHAR(1),                -- 性别
    ethnic_group    VARCHAR(16),            -- 民族 (入学登记自填)
    class_name      VARCHAR(32),            -- 班级
    dorm_no         VARCHAR(16),            -- 宿舍号
    face_image      VARCHAR(255),           -- 人脸照片 (门禁识别用)
    enroll_date     DATE                    -- 入学日期
);
