-- 社区人员信息采集表 (fictional sample)
CREATE TABLE community_person (
    id            SERIAL PRIMARY KEY,
    name          VARCHAR(64) NOT NULL,       -- 姓名
    id_number     CHAR(18),                   -- 身份证号
    address       VARCHAR(255),               -- 住址
    religion      VARCHAR(16),                -- 宗教信仰
    is_muslim     BOOLEAN DEFAULT FALSE,      -- 是否穆斯林
    prays_daily   BOOLEAN DEFAULT FALSE,      -- 是否每日礼拜
    wears_veil    BOOLEAN DEFAULT FALSE,      -- 是否戴面纱
    watch_level   SMALLINT DEFAULT 0          -- 关注等级
);
COMMENT ON COLUMN community_person.is_muslim IS '是否穆斯林';
