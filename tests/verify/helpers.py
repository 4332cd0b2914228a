"""Shared builders for the verification tests."""

import datetime

from jiuzhu.cases.models import Application, CheckAuthorisation
from tests.factories import HouseholdFactory, PersonFactory, RollEntryFactory

HEADERS = {
    "vehicles": "record_id,plate_no,id_number,name,birth_date,vehicle_type,value,registered_on,area_code",
    "market": "record_id,credit_code,company_name,id_number,name,birth_date,role,registered_capital,status,registered_on,area_code",
    "police": "record_id,id_number,name,sex,birth_date,area_code,address,event,event_date",
}


def csv_bytes(department: str, rows: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join([HEADERS[department], *rows]) + "\n").encode(encoding)


def one_wrong_digit(number: str, pos: int = 9) -> str:
    return number[:pos] + str((int(number[pos]) + 3) % 10) + number[pos + 1 :]


def couple_on_roll(actor, village: str):
    """An applicant (wife) and her husband, on the 低保 roll, with a signed 核对授权书."""
    hh = HouseholdFactory(hukou_area_id=village, head_name="李秀英", size=2)
    wife = PersonFactory(household=hh, name="李秀英", sex="F", birth_date=datetime.date(1978, 3, 9))
    husband = PersonFactory(
        household=hh,
        relation="spouse",
        name="张建国",
        sex="M",
        birth_date=datetime.date(1975, 6, 21),
    )
    RollEntryFactory(household=hh)
    app = Application.objects.create(
        number=f"SQ{hh.pk:08d}",
        household=hh,
        applicant=wife,
        area_id=village,
        programme="dibao",
        created_by=actor,
    )
    auth = CheckAuthorisation.objects.create(
        application=app, household=hh, signer_name="李秀英", method="upload", recorded_by=actor
    )
    return hh, wife, husband, app, auth
