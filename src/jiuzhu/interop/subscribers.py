"""What the interop app does when something happens below it: tell subscribers of the roll."""

from __future__ import annotations

from jiuzhu.core.events import RollChanged, subscribe


def _roll_changed(event: RollChanged) -> None:
    from jiuzhu.interop.models import Subscription
    from jiuzhu.interop.registry_interface import notify_subscribers
    from jiuzhu.interop.selectors import person_records
    from jiuzhu.registry.selectors import household_members

    if not Subscription.objects.filter(active=True).exists():
        return
    persons = household_members(event.household_id)
    if not persons:
        return
    hh = persons[0].household
    died = any(p.death_date for p in persons)
    kind = "REGISTER" if event.change == "added" else "UPDATE"

    def records_for(account):
        out = person_records(account, persons)
        for r in out:
            r["roll_change"] = {
                "programme": event.programme,
                "change": "enrolment" if event.change == "added" else ("death" if died else "exit"),
                "status": event.status,
                "effective": event.effective.isoformat() if event.effective else None,
            }
        return out

    notify_subscribers(area_code=hh.hukou_area_id, event_type=kind, records_for=records_for)


def connect() -> None:
    subscribe(RollChanged, _roll_changed)
