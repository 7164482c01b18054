# Locales shipped with the installer, in display order.
SUPPORTED_LOCALES = [
    ("en_US", "English"),
    ("zh_CN", "简体中文"),
    ("zh_TW", "繁體中文"),
    ("ug_CN", "Uyghur (ئۇيغۇرچە)"),
    ("bo_CN", "Tibetan (བོད་ཡིག)"),
    ("kk_KZ", "Kazakh (Қазақша)"),
]


def locale_label(code):
    return dict(SUPPORTED_LOCALES).get(code, code)
