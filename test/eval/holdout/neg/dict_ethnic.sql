-- 数据字典：民族（GB/T 3304-1991）
INSERT INTO sys_dict (dict_type, dict_code, dict_label, sort) VALUES
('ethnic', '01', '汉族', 1),
('ethnic', '02', '蒙古族', 2),
('ethnic', '03', '回族', 3),
('ethnic', '04', '藏族', 4),
('ethnic', '05', '维吾尔族', 5),
('ethnic', '06', '苗族', 6),
('ethnic', '07', '彝族', 7),
('ethnic', '08', '壮族', 8),
('ethnic', '17', '哈萨克族', 17),
('ethnic', '97', '其他', 97),
('ethnic', '98', '外国血统中国籍人士', 98);
