-- 境外人员住宿登记表
CREATE TABLE foreign_guest_registration (
    id              BIGSERIAL PRIMARY KEY,
    surname         VARCHAR(64)  NOT NULL,   -- 姓
    given_name      VARCHAR(64)  NOT NULL,   -- 名
    gender          CHAR(1),                 -- 性别
    birth_date      DATE,                    -- 出生日期
    nationality     CHAR(3)      NOT NULL,   -- 国籍 (ISO 3166 alpha-3)
    doc_type        VARCHAR(8)   NOT NULL,   -- 证件类型 护照/旅行证
    doc_number      VARCHAR(32)  NOT NULL,   -- 证件号码
    visa_type       VARCHAR(8),              -- 签证种类
    check_in        TIMESTAMP    NOT NULL,   -- 入住时间
    room_no         VARCHAR(8)               -- 房号
);
COMMENT ON COLUMN foreign_guest_registration.nationality IS '国籍';
