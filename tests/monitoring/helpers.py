"""Builders for the monitoring tests: households on the roll, department files, a cast of users."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from jiuzhu.accounts.roles import Role
from jiuzhu.verify.services import feed_import
from tests.conftest import CHENGDONG, CHENGXI, HAILING
from tests.factories import (
    HouseholdFactory,
    PersonFactory,
    RollEntryFactory,
    first_village,
    user_with_role,
)

HEADERS = {
    "police": "record_id,id_number,name,sex,birth_date,area_code,address,event,event_date",
    "hrss": "record_id,id_number,name,birth_date,employer,kind,month,amount",
    "vehicles": "record_id,plate_no,id_number,name,birth_date,vehicle_type,value,registered_on,area_code",
    "market": "record_id,credit_code,company_name,id_number,name,birth_date,role,registered_capital,status,registered_on,area_code",
    "property": "record_id,id_number,name,birth_date,address,area_code,use,floor_area,value,registered_on",
    "medical_insurance": "record_id,id_number,name,birth_date,hospital,settled_on,total_cost,fund_paid,out_of_pocket",
    "disability_federation": "record_id,id_number,name,birth_date,disability_type,disability_grade,issued_on",
    "education": "record_id,id_number,name,birth_date,school,stage,enrolled_on,area_code",
    "tax": "record_id,id_number,name,birth_date,income_kind,taxable_income,period_end",
}
_files = itertools.count(1)


def import_rows(department: str, rows: list[list], header: str | None = None) -> None:
    """Import a department file (through the real import service) with these rows."""
    lines = [header or HEADERS[department]] + [",".join(str(v) for v in r) for r in rows]
    result = feed_import(
        actor=None,
        department=department,
        data=("\n".join(lines) + "\n").encode("utf-8"),
        file_name=f"{department}-{next(_files)}.csv",
    )
    assert result.feed_import.status == "accepted", result.feed_import.report


class Cast:
    """Workers of 城东街道 (a village worker in its first community), 城西街道, and the county."""

    def __init__(self):
        self.village = first_village(CHENGDONG)
        self.village_xi = first_village(CHENGXI)
        self.worker = user_with_role(Role.VILLAGE_WORKER, self.village, full_name="李村居")
        self.reviewer = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGDONG, full_name="王街道")
        self.reviewer_xi = user_with_role(Role.TOWNSHIP_REVIEWER, CHENGXI, full_name="赵街道")
        self.approver = user_with_role(Role.COUNTY_APPROVER, HAILING, full_name="陈区县")
        self.admin = user_with_role(Role.SYSADMIN, "321200000000", full_name="管理员")


def on_roll(
    village: str,
    *,
    size: int = 1,
    programme: str = "dibao",
    amount: str = "710.00",
    head_birth: datetime.date = datetime.date(1970, 5, 17),
    person_level: bool = False,
):
    """A household of ``size`` on ``programme``; returns (household, [members], roll entry)."""
    hh = HouseholdFactory(hukou_area_id=village, size=size, head_name="张伟")
    members = [PersonFactory(household=hh, name="张伟", birth_date=head_birth)]
    for i in range(1, size):
        members.append(
            PersonFactory(
                household=hh,
                relation="child" if i > 1 else "spouse",
                name=f"张成员{i}",
                sex="F",
                birth_date=datetime.date(1975 + i * 5, 3, 9),
            )
        )
    entry = RollEntryFactory(
        household=hh,
        programme=programme,
        monthly_amount=Decimal(amount),
        start_month=datetime.date(2024, 1, 1),
        person=members[0] if person_level else None,
    )
    return hh, members, entry


def police_death(person, day: datetime.date, key: str | None = None) -> list:
    return [
        key or f"GA{person.pk:06d}",
        person.id_number,
        person.name,
        person.sex,
        person.birth_date.isoformat(),
        person.household.hukou_area_id,
        "泰州市海陵区",
        "death",
        day.isoformat(),
    ]
