"""Results import for the city marathon timing system."""
import csv
from dataclasses import dataclass


@dataclass
class RaceResult:
    bib: int
    name: str
    gender: str        # M / F / X
    age: int
    age_group: str     # e.g. "M40-44"
    race: str          # "marathon", "half", "10k"
    chip_time: str


def load_results(path):
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield RaceResult(
                bib=int(row["bib"]),
                name=row["name"],
                gender=row["gender"],
                age=int(row["age"]),
                age_group=row["age_group"],
                race=row["race"],
                chip_time=row["chip_time"],
            )
