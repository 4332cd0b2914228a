"""Reads of the interop app: persons as another system may see them (agreed fields only,
masked unless the agreement says otherwise), transactions for txn/status."""

from __future__ import annotations

from jiuzhu.core.masking import mask_id_number, mask_name, mask_phone
from jiuzhu.core.programmes import programme_label
from jiuzhu.interop.models import ServiceAccount
from jiuzhu.registry.selectors import active_programmes

_MASKS = {"id_number": mask_id_number, "phone": mask_phone, "name": mask_name}


def person_records(account: ServiceAccount, persons) -> list[dict]:
    """Each person as a dict of the agreed fields; ``id_number``, ``phone`` and ``name`` are
    masked unless listed in the agreement's ``reveal``."""
    persons = list(persons)
    fields, reveal = set(account.fields), set(account.reveal)
    progs = active_programmes({p.household_id for p in persons}) if "programmes" in fields else {}
    out = []
    for p in persons:
        hh = p.household
        values = {
            "name": p.name,
            "sex": p.sex,
            "birth_date": p.birth_date.isoformat(),
            "id_number": p.id_number or "",
            "phone": p.phone or hh.phone,
            "area": hh.hukou_area_id,
            "household_number": hh.number,
            "household_size": hh.size,
            "relation": p.relation,
            "programmes": [
                {"code": c, "label": programme_label(c)} for c in progs.get(p.household_id, [])
            ],
            "death_date": p.death_date.isoformat() if p.death_date else None,
        }
        record = {}
        for key in sorted(fields):
            value = values[key]
            if key in _MASKS and key not in reveal:
                value = _MASKS[key](value)
            record[key] = value
        record["person_ref"] = f"P{p.pk}"
        out.append(record)
    return out


def accounts_in_scope(*, manager):
    """The service accounts of the manager's areas (accounts.manage), newest first."""
    from jiuzhu.accounts.roles import Capability
    from jiuzhu.accounts.scoping import scoped

    return (
        scoped(ServiceAccount.objects.all(), manager, Capability.ACCOUNTS_MANAGE)
        .select_related("area", "created_by", "approved_by")
        .prefetch_related("tokens")
        .order_by("-created_at")
    )


def account_for_manage(*, manager, account_id: int) -> ServiceAccount:
    from jiuzhu.accounts.roles import Capability
    from jiuzhu.accounts.scoping import access

    return access(
        ServiceAccount.objects.select_related("area"),
        manager,
        Capability.ACCOUNTS_MANAGE,
        pk=account_id,
    )
