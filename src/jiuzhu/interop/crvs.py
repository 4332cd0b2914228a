"""The CRVS client: a civil registry's death and birth events, received as SPDCI CRVS
``notify`` messages (``POST /dci/crvs/notify``), and the subscription that asks for them
(``crvs_subscribe_message``, sent by ``jiuzhu interop crvs-subscribe``).

- A death becomes a row of the police death-registration feed (``verify`` department
  ``police``, event ``death``) imported under the civil registry's service account — the same
  path as a death record the police send: the nightly monitoring run links it, raises the death
  alert and holds the payment.
- A birth to a parent in the registry becomes a 主动申报-style task "家庭成员增加" for the
  parent's household (monitoring, cause ``self_report``), routed and timed like any other.
"""

from __future__ import annotations

import datetime
import io

from jiuzhu.core import clock
from jiuzhu.core.idcard import normalise as normalise_id
from jiuzhu.core.spreadsheet import csv_writer
from jiuzhu.interop.dci import envelope
from jiuzhu.interop.dci.envelope import EnvelopeError, Request
from jiuzhu.interop.models import AccessToken
from jiuzhu.interop.services import call_record, require_scope
from jiuzhu.monitoring.self_reports import self_report_raise
from jiuzhu.registry.selectors import living_person_by_id_number
from jiuzhu.verify.services import feed_import

DEATH = ("death",)
BIRTH = ("birth", "livebirth")
POLICE_HEADER = ["记录编号", "身份证号", "姓名", "性别", "出生日期", "事项", "事项日期"]
SEX = {"male": "M", "m": "M", "男": "M", "female": "F", "f": "F", "女": "F"}


def _event_kind(value: str) -> str:
    tail = str(value or "").rsplit(":", 1)[-1].lower()
    if tail in DEATH:
        return "death"
    if tail in BIRTH:
        return "birth"
    return ""


def _date(value) -> datetime.date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise EnvelopeError("rjct.reg_records.invalid", f"not a date: {text!r}") from exc


def _identifier(record: dict) -> str:
    ident = record.get("identifier")
    if isinstance(ident, list):
        ident = ident[0] if ident else {}
    if isinstance(ident, dict):
        return normalise_id(str(ident.get("identifier_value") or ""))
    return ""


def _name(record: dict) -> str:
    name = record.get("name")
    if isinstance(name, dict):  # Chinese order: surname then given name
        return f"{name.get('surname', '')}{name.get('given_name', '')}".strip()
    return str(name or "").strip()


def _parents(record: dict) -> list[str]:
    out = []
    for key, value in record.items():
        if any(w in key for w in ("mother", "father", "parent")):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    out.append(
                        _identifier(item) or normalise_id(str(item.get("identifier_value", "")))
                    )
                elif item:
                    out.append(normalise_id(str(item)))
    return [p for p in out if p]


def _records(item: dict) -> tuple[str, list[dict]]:
    data = item.get("data") if isinstance(item, dict) else None
    if not isinstance(data, dict):
        raise EnvelopeError("rjct.notify_event.invalid", "notify_event[].data is required")
    records = data.get("reg_records")
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list):
        raise EnvelopeError("rjct.reg_records.invalid", "data.reg_records is required")
    return _event_kind(data.get("reg_event_type", "")), [r for r in records if isinstance(r, dict)]


def notify_receive(token: AccessToken, req: Request) -> dict:
    require_scope(token, "crvs.notify")
    events = req.message.get("notify_event")
    if not isinstance(events, list) or not events:
        raise EnvelopeError("rjct.notify_event.invalid", "message.notify_event is required")
    deaths, births = [], 0
    for item in events:
        kind, records = _records(item)
        for r in records:
            if kind == "death":
                died = _date(r.get("death_date"))
                if died is None:
                    raise EnvelopeError("rjct.reg_records.invalid", "a death needs death_date")
                deaths.append(
                    [
                        f"{item.get('reference_id', '')}:{_identifier(r) or _name(r)}"[:64],
                        _identifier(r),
                        _name(r),
                        SEX.get(str(r.get("sex", "")).lower(), ""),
                        (_date(r.get("birth_date")) or "")
                        and _date(r.get("birth_date")).isoformat(),
                        "death",
                        died.isoformat(),
                    ]
                )
            elif kind == "birth":
                births += _birth(token, r)
    imported = None
    if deaths:
        buf = io.StringIO()
        writer = csv_writer(buf)
        writer.writerow(POLICE_HEADER)
        writer.writerows(deaths)
        result = feed_import(
            actor=token.account.user,
            department="police",
            data=buf.getvalue().encode("utf-8"),
            file_name=f"crvs-{req.transaction_id}.csv",
            extracted_on=clock.today(),
        )
        imported = result.feed_import.pk
    call_record(
        token,
        "crvs.notify",
        rows=len(deaths) + births,
        extra={
            "txn": req.transaction_id,
            "deaths": len(deaths),
            "births": births,
            "import": imported,
        },
    )
    return {"deaths": len(deaths), "births": births, "import": imported}


def _birth(token: AccessToken, record: dict) -> int:
    born = _date(record.get("birth_date"))
    for parent_id in _parents(record):
        parent = living_person_by_id_number(parent_id)
        if parent is None:
            continue
        self_report_raise(
            household_id=parent.household_id,
            change="member_in",
            text=f"出生登记通知：{_name(record) or '新生儿'}，出生日期 {born or '未知'}（{token.account.name}）",
            person_id=parent.pk,
            event_date=born if born and born <= clock.today() else None,
            reported_by=f"crvs:{token.account.sender_id}",
        )
        return 1
    return 0


def crvs_subscribe_message(*, notify_uri: str, area_code: str, sender_id: str) -> dict:
    """The SPDCI CRVS subscribe request for deaths and births in ``area_code``."""
    now = clock.now()
    message = {
        "transaction_id": envelope.new_id(),
        "subscribe_request": [
            {
                "reference_id": f"{event}-{area_code}",
                "timestamp": envelope.timestamp(now),
                "subscribe_criteria": {
                    "reg_event_type": f"spdci-common:RegistryEventType:{event}",
                    "filter_type": "predicate",
                    "filter": [
                        {
                            "seq_num": 1,
                            "expression1": {
                                "attribute_name": "place_code",
                                "operator": "eq",
                                "attribute_value": area_code,
                            },
                        }
                    ],
                    "notify_record_type": "CRVS_Person",
                    "notify_uri": notify_uri,
                },
            }
            for event in ("Death", "LiveBirth")
        ],
    }
    header = {
        "version": envelope.VERSION,
        "message_id": envelope.new_id(),
        "message_ts": envelope.timestamp(now),
        "action": "subscribe",
        "sender_id": sender_id,
        "sender_uri": notify_uri,
        "total_count": 2,
    }
    return {"header": header, "message": message}
