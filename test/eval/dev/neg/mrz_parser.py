"""ICAO 9303 TD3 machine readable zone parser for the hotel check-in kiosk."""
from dataclasses import dataclass


@dataclass
class PassportMRZ:
    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    date_of_birth: str
    sex: str
    expiry_date: str


def parse_td3(line1: str, line2: str) -> PassportMRZ:
    names = line1[5:44].split("<<", 1)
    return PassportMRZ(
        document_type=line1[0:2].rstrip("<"),
        issuing_state=line1[2:5],
        surname=names[0].replace("<", " ").strip(),
        given_names=names[1].replace("<", " ").strip() if len(names) > 1 else "",
        document_number=line2[0:9].rstrip("<"),
        nationality=line2[10:13],
        date_of_birth=line2[13:19],
        sex=line2[20],
        expiry_date=line2[21:27],
    )
