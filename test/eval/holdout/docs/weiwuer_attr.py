# 人脸属性后处理
NATION_LABELS = {0: "han", 1: "weiwuer", 2: "other"}


def postprocess(face, logits):
    """Fills face['nation'] from the attribute head; keeps sex/age/glasses from the other heads."""
    idx = int(logits["nation"].argmax())
    face["nation"] = NATION_LABELS[idx]
    face["nation_score"] = float(logits["nation"].max())
    face["is_weiwuer"] = face["nation"] == "weiwuer"
    return face
