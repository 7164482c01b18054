"""Sun-protection advice in the weather app (Fitzpatrick skin types, chosen by the user)."""
BURN_MINUTES_AT_UV1 = {1: 67, 2: 100, 3: 200, 4: 300, 5: 400, 6: 500}


def minutes_to_burn(skin_type: int, uv_index: float) -> int:
    """skin_type is the Fitzpatrick type (I-VI) the user picked in settings."""
    if uv_index <= 0:
        return 10_000
    return int(BURN_MINUTES_AT_UV1[skin_type] / uv_index)


def advice(skin_type: int, uv_index: float) -> str:
    minutes = minutes_to_burn(skin_type, uv_index)
    return "Use SPF 30+" if minutes < 60 else "Low risk"
