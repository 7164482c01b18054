# 宗教人员标记 (fictional sample)
RELIGION_FLAGS = {
    "is_muslim": "是否穆斯林",
    "attends_mosque": "是否去清真寺",
    "wears_headscarf": "是否戴头巾",
}


def tag_person(person: dict, answers: dict) -> dict:
    """Adds the religion flags collected by the grid worker to a resident record."""
    for key in RELIGION_FLAGS:
        person[key] = bool(answers.get(key))
    person["watch"] = person["is_muslim"] and person["attends_mosque"]
    return person
