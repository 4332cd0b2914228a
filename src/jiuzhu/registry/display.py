"""Turning audit events into what a person reads: Chinese labels, not raw JSON.

The audit log stores field names and raw values (area codes, choice codes, person ids). For the
timeline of a household and the audit-log page these are shown as "残疾等级：3级 → 2级", with
area and person names looked up in one query each for a whole page of events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from jiuzhu.accounts.models import User
from jiuzhu.accounts.roles import Role
from jiuzhu.areas.models import Area
from jiuzhu.core import programmes
from jiuzhu.core.labels import AUDIT_ACTION, FIELD, FIELD_VALUE, is_registered, label
from jiuzhu.core.masking import mask_id_number, mask_phone, mask_sensitive, sensitive_kind
from jiuzhu.core.programmes import PROGRAMME_LABELS
from jiuzhu.registry.models import (
    Asset,
    EmergencyEvent,
    Household,
    IncomeItem,
    JobOffer,
    Obligor,
    Person,
    RigidExpense,
    SelfCareAssessment,
    source_label,
)

SUBJECT_MODELS: dict[str, type[models.Model]] = {
    "household": Household,
    "person": Person,
    "income": IncomeItem,
    "asset": Asset,
    "expense": RigidExpense,
    "event": EmergencyEvent,
    "selfcare": SelfCareAssessment,
    "obligor": Obligor,
    "joboffer": JobOffer,
}

EXTRA_LABELS = {
    "number": gettext_lazy("家庭编号"),
    "head": gettext_lazy("户主"),
    "role": gettext_lazy("角色"),
    "area": gettext_lazy("区域"),
    "department": gettext_lazy("部门代码"),
    "valid_from": gettext_lazy("生效日期"),
    "valid_until": gettext_lazy("失效日期"),
    "username": gettext_lazy("用户名"),
    "full_name": gettext_lazy("姓名"),
    "assignment": gettext_lazy("角色分配编号"),
    "field": gettext_lazy("字段"),
    "id_number": gettext_lazy("身份证号"),
    "phone": gettext_lazy("联系电话"),
    "contact_phone": gettext_lazy("联系电话"),
    "account_number": gettext_lazy("账号"),
    "pending": gettext_lazy("待复核"),
}


def action_label(action: str) -> str:
    return label(AUDIT_ACTION, action)


@dataclass
class Change:
    label: str
    before: str | None  # None: the field had no "before" (a creation)
    after: str | None  # None: the field has no "after" (a deletion)
    # Masked personal identifiers: the path to reveal ("after.head.id_number"), else "".
    reveal_before: str = ""
    reveal_after: str = ""


@dataclass
class EventView:
    event: object
    action_label: str
    actor_label: str
    household_number: str = ""
    changes: list[Change] = field(default_factory=list)
    note: str = ""


class _Lookups:
    def __init__(self, events):
        area_codes: set[str] = set()
        person_ids: set[int] = set()
        for e in events:
            for data in (e.before, e.after):
                for k, v in _flatten(data or {}):
                    if k in ("hukou_area", "residence_area", "area") and v:
                        area_codes.add(str(v))
                    if k == "person" and v:
                        person_ids.add(int(v))
        self.areas = dict(Area.objects.filter(code__in=area_codes).values_list("code", "name"))
        self.persons = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))
        household_ids = {e.household_id for e in events if e.household_id}
        self.households = dict(
            Household.objects.filter(pk__in=household_ids).values_list("pk", "number")
        )
        actor_ids = {e.actor_id for e in events if e.actor_id}
        self.actors = {
            pk: full or username
            for pk, username, full in User.objects.filter(pk__in=actor_ids).values_list(
                "pk", "username", "full_name"
            )
        }


def _flatten(data: dict, prefix: str = ""):
    for k, v in data.items():
        if isinstance(v, dict):
            yield from _flatten(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}".rsplit(".", 1)[-1], v


def _field_label(model, name: str) -> str:
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - unknown or renamed field: fall back below
            pass
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    return label(FIELD, name)


def _value(model, name: str, value, lookups: _Lookups) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return _("（空）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict):  # a nested record (a pledge, a declaration): its fields, labelled
        sep = pgettext("list separator", "；")
        return sep.join(
            _("%(label)s：%(value)s")
            % {"label": _field_label(None, k), "value": _value(None, k, v, lookups)}
            for k, v in value.items()
        )
    if isinstance(value, list):
        return pgettext("list separator", "、").join(_value(model, name, v, lookups) for v in value)
    if name in ("programme", "proposed", "programmes") and str(value) in PROGRAMME_LABELS:
        return programmes.programme_label(str(value))
    if is_registered(FIELD_VALUE, f"{name}:{value}"):
        return label(FIELD_VALUE, f"{name}:{value}")
    if name in ("hukou_area", "residence_area", "area"):
        return f"{lookups.areas.get(str(value), '')} ({value})".strip()
    if name == "person":
        return lookups.persons.get(int(value), f"#{value}")
    if name in ("id_number", "disability_certificate"):  # the history never reveals them
        return mask_id_number(str(value))
    if name == "phone":
        return mask_phone(str(value))
    if name == "source":
        return source_label(str(value))
    if name == "role":
        try:
            return str(Role(value).label)
        except ValueError:
            return str(value)
    if model is not None:
        try:
            f = model._meta.get_field(name)
        except Exception:  # noqa: BLE001
            f = None
        if f is not None and f.choices:
            return str(dict(f.flatchoices).get(value, value))
    return str(value)


def _changes(
    model, before: dict | None, after: dict | None, lookups, path: str = ""
) -> list[Change]:
    """The changed fields; ID, phone and account numbers masked exactly as on the pages (a reveal
    is per field and audited: ``audit.views.event_reveal``)."""
    before, after = before or {}, after or {}
    out = []
    for name in list(dict.fromkeys([*before.keys(), *after.keys()])):
        if name == "head" and isinstance(after.get(name), dict):
            for sub in _changes(Person, None, after[name], lookups, path=f"{path}head."):
                sub.label = f"{_('户主')} · {sub.label}"
                out.append(sub)
            continue
        secret = sensitive_kind(name) is not None
        change = Change(
            label=_field_label(model, name),
            before=_shown(model, name, before[name], lookups) if name in before else None,
            after=_shown(model, name, after[name], lookups) if name in after else None,
        )
        if secret:
            change.reveal_before = f"before.{path}{name}" if before.get(name) else ""
            change.reveal_after = f"after.{path}{name}" if after.get(name) else ""
        out.append(change)
    return out


def _shown(model, name: str, value, lookups: _Lookups) -> str:
    if sensitive_kind(name) is not None and value:
        return mask_sensitive(name, value)
    return _value(model, name, value, lookups)


def describe_events(events) -> list[EventView]:
    """Readable views of audit events (two or three queries for the whole list)."""
    events = list(events)
    lookups = _Lookups(events)
    views = []
    for e in events:
        model = SUBJECT_MODELS.get(e.subject_type)
        note = ""
        if e.action == "audit.reveal" and e.extra:
            note = _field_label(None, str(e.extra.get("field", "")).rsplit(".", 1)[-1])
        elif e.action == "person.reveal" and e.extra:
            f = e.extra.get("field", "")
            note = (
                _("打开修改表单（显示完整证件号和电话）")
                if f == "edit_form"
                else _field_label(Person, f)
            )
        elif e.extra and not (e.before or e.after):
            note = "，".join(f"{k}: {mask_sensitive(k, v)}" for k, v in e.extra.items())
        views.append(
            EventView(
                event=e,
                action_label=action_label(e.action),
                actor_label=lookups.actors.get(e.actor_id, e.actor_name or _("系统")),
                household_number=lookups.households.get(e.household_id, ""),
                changes=_changes(model, e.before, e.after, lookups),
                note=note,
            )
        )
    return views
