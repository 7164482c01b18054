"""Nightly enrichment of captured faces with demographic attributes (fictional sample)."""
import logging
from pathlib import Path

from deepface import DeepFace

log = logging.getLogger(__name__)

CAPTURE_DIR = Path("/srv/captures")


def enrich(record):
    results = DeepFace.analyze(
        img_path=str(CAPTURE_DIR / record["image"]),
        actions=("age", "gender", "race", "emotion"),
        enforce_detection=False,
        detector_backend="retinaface",
    )
    face = results[0]
    record["age"] = face["age"]
    record["gender"] = face["dominant_gender"]
    record["race"] = face["dominant_race"]
    record["emotion"] = face["dominant_emotion"]
    log.info("enriched %s: %s", record["id"], record["race"])
    return record
