"""Writes to the registry. Each function: checks scope, validates, saves, audits — in one
transaction, so an error leaves nothing half-saved. Optimistic locking: the caller passes the
``version`` it read, and a change made meanwhile by someone else is refused, never overwritten.
"""

from __future__ import annotations

import datetime
import decimal
import re
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, require_area
from jiuzhu.areas.models import Area, AreaLevel
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ConcurrentEditError, ServiceError
from jiuzhu.core.idcard import IdNumberError, validate_id_number
from jiuzhu.registry.counting import ADULT_AGE, counted
from jiuzhu.registry.models import (
    Asset,
    EmergencyEvent,
    Household,
    IncomeItem,
    JobOffer,
    Obligor,
    Person,
    Relation,
    RigidExpense,
    SelfCareAssessment,
    SupportMode,
)

EARLIEST_BIRTH = datetime.date(1890, 1, 1)  # the same bound as the registry import (1880) or later
PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")

HOUSEHOLD_FIELDS = ("hukou_area", "residence_area", "urban_rural", "address", "phone")
PERSON_FIELDS = (
    "relation",
    "is_counted",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "phone",
    "disability_type",
    "disability_grade",
    "disability_certificate",
    "major_illness",
    "chronic_illness",
    "illness_note",
    "labour_capacity",
    "employment",
    "school_stage",
    "death_date",
    "child_status",
    "support_mode",
    "care_institution",
    # 共同生活家庭成员的事实 (低保办法第七条) and when the obligors were checked (特困办法第八条)
    "lives_together",
    "cannot_live_independently",
    "religious_site_years",
    "in_prison",
    "in_drug_rehab",
    "declared_missing",
    "other_exclusion",
    "obligors_checked_on",
)


def snapshot(obj: models.Model, fields) -> dict[str, Any]:
    """The audited view of a row: field name → value (foreign keys by id)."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = getattr(obj, field.attname)
    return out


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def _check_choices(obj: models.Model, fields, errors: dict[str, list[str]]) -> None:
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        if field.choices and value not in (None, "") and value not in dict(field.flatchoices):
            errors.setdefault(name, []).append(
                _("“%(field)s”的值“%(value)s”不在可选范围内")
                % {"field": field.verbose_name, "value": value}
            )


def _village(code: str | None, field: str, label: str, errors) -> Area | None:
    if not code:
        return None
    area = Area.objects.filter(code=code).first()
    if area is None:
        errors.setdefault(field, []).append(
            _("%(label)s区划代码 %(code)s 不存在") % {"label": label, "code": code}
        )
    elif area.level != AreaLevel.VILLAGE:
        errors.setdefault(field, []).append(
            _("%(label)s须选到村/社区一级（%(area)s 是%(level)s）")
            % {"label": label, "area": area.name, "level": area.get_level_display()}
        )
    return area


def _validate_household(hh: Household, errors: dict[str, list[str]]) -> None:
    _check_choices(hh, ("urban_rural",), errors)
    if not hh.urban_rural:
        errors.setdefault("urban_rural", []).append(_("“城乡类别”为必填项"))
    if hh.phone and not PHONE_RE.match(hh.phone):
        errors.setdefault("phone", []).append(
            _("“联系电话”格式不正确：应为11位手机号或带区号的固话")
        )


def _validate_person(p: Person, errors: dict[str, list[str]]) -> None:
    _check_choices(
        p,
        (
            "relation",
            "sex",
            "disability_type",
            "labour_capacity",
            "employment",
            "school_stage",
            "child_status",
            "support_mode",
        ),
        errors,
    )
    _validate_person_support(p, errors)
    if not (p.name or "").strip():
        errors.setdefault("name", []).append(_("“姓名”为必填项"))
    today = _validate_person_dates(p, errors)
    if p.death_date and p.death_date > today:
        errors.setdefault("death_date", []).append(_("“死亡日期”不能晚于今天"))
    if p.id_number:
        try:
            parsed = validate_id_number(
                p.id_number,
                birth_date=p.birth_date if isinstance(p.birth_date, datetime.date) else None,
                sex=p.sex or None,
            )
            p.id_number = parsed.number
        except IdNumberError as exc:
            errors.setdefault("id_number", []).append(exc.message)
    else:
        p.id_number = None
    if bool(p.disability_type) != (p.disability_grade is not None):
        errors.setdefault("disability_grade", []).append(
            _("“残疾类别”和“残疾等级”须同时填写或同时为空")
        )
    if p.disability_grade is not None and not 1 <= int(p.disability_grade) <= 4:
        errors.setdefault("disability_grade", []).append(_("“残疾等级”须为1至4级"))
    if p.phone and not PHONE_RE.match(p.phone):
        errors.setdefault("phone", []).append(
            _("“联系电话”格式不正确：应为11位手机号或带区号的固话")
        )
    if p.death_date and isinstance(p.birth_date, datetime.date) and p.death_date < p.birth_date:
        errors.setdefault("death_date", []).append(_("“死亡日期”不能早于出生日期"))
    if p.id_number and Person.objects.filter(id_number=p.id_number).exclude(pk=p.pk).exists():
        errors.setdefault("id_number", []).append(
            _("该身份证号已登记在其他家庭，请先核实（同一人不能重复登记）")
        )


def _validate_person_support(p: Person, errors: dict[str, list[str]]) -> None:
    """特困 support mode and institution; years lived at a religious site (低保办法第七条)."""
    p.care_institution = (p.care_institution or "").strip()
    if p.support_mode == SupportMode.CENTRALIZED and not p.care_institution:
        errors.setdefault("care_institution", []).append(
            _("“特困供养方式”为集中供养时，须填写“供养机构”（敬老院、福利院等）")
        )
    elif p.support_mode != SupportMode.CENTRALIZED and p.care_institution:
        errors.setdefault("care_institution", []).append(_("只有集中供养才填写“供养机构”"))
    years = p.religious_site_years
    if years not in (None, ""):
        try:
            years = int(years)
        except (TypeError, ValueError):
            years = -1
        if not 0 <= years <= 100:
            errors.setdefault("religious_site_years", []).append(
                _("“在宗教活动场所居住年数”须为0至100的整数")
            )
        else:
            p.religious_site_years = years
    else:
        p.religious_site_years = None


def _validate_person_dates(p: Person, errors: dict[str, list[str]]) -> datetime.date:
    """Birth and death dates and the obligors' check date: parsed when typed as text, not in
    the future, a birth not before ``EARLIEST_BIRTH``. Returns today."""
    today = clock.today()
    for name, label in (("birth_date", _("出生日期")), ("death_date", _("死亡日期"))):
        value = getattr(p, name)
        if isinstance(value, str):  # from the API or an import: text until it is parsed
            try:
                setattr(p, name, datetime.date.fromisoformat(value.strip()) if value else None)
            except ValueError:
                setattr(p, name, None if name == "death_date" else value)
                errors.setdefault(name, []).append(
                    _("“%(label)s”不是有效日期，请按 年-月-日 填写，如 1980-05-17")
                    % {"label": label}
                )
    if isinstance(p.birth_date, str):
        pass  # already reported
    elif p.birth_date is None:
        errors.setdefault("birth_date", []).append(_("“出生日期”为必填项"))
    elif p.birth_date > today:
        errors.setdefault("birth_date", []).append(
            _("“出生日期”不能晚于今天（尚未出生的人不能登记为家庭成员）")
        )
    elif p.birth_date < EARLIEST_BIRTH:
        errors.setdefault("birth_date", []).append(
            _("“出生日期”不合理：不能早于%(year)s年") % {"year": EARLIEST_BIRTH.year}
        )
    checked = p.obligors_checked_on
    if isinstance(checked, str):
        try:
            p.obligors_checked_on = (
                datetime.date.fromisoformat(checked.strip()) if checked else None
            )
        except ValueError:
            p.obligors_checked_on = None
            errors.setdefault("obligors_checked_on", []).append(
                _("“法定义务人核实日期”不是有效日期，请按 年-月-日 填写，如 2026-05-17")
            )
    if p.obligors_checked_on and p.obligors_checked_on > today:
        errors.setdefault("obligors_checked_on", []).append(_("“法定义务人核实日期”不能晚于今天"))
    return today


def _phone_touched(obj: Household | Person) -> None:
    """A new row with a phone: the phone is as fresh as today."""
    obj.phone_updated_on = clock.today() if obj.phone else None


def _refresh_household_summary(household_id: int) -> None:
    head = Person.objects.filter(household_id=household_id, relation=Relation.HEAD).first()
    size = Person.objects.filter(
        household_id=household_id,
        is_counted=True,
        death_date__isnull=True,
        birth_date__lte=clock.today(),  # an unborn member never counts
    ).count()
    Household.objects.filter(pk=household_id).update(head_name=head.name if head else "", size=size)


def _next_household_number(area_code: str) -> str:
    prefix = f"H{area_code}"
    last = (
        Household.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


@transaction.atomic
def household_create(
    *,
    actor,
    hukou_area_code: str,
    urban_rural: str,
    head: dict,
    residence_area_code: str | None = None,
    address: str = "",
    phone: str = "",
    reason: str = "",
) -> Household:
    """Register a household with its head (户主)."""
    require_area(actor, Capability.REGISTRY_EDIT, hukou_area_code)
    errors: dict[str, list[str]] = {}
    _village(hukou_area_code, "hukou_area", _("户籍地"), errors)
    _village(residence_area_code, "residence_area", _("居住地"), errors)
    hh = Household(
        hukou_area_id=hukou_area_code,
        residence_area_id=residence_area_code or None,
        urban_rural=urban_rural,
        address=address,
        phone=phone,
        phone_updated_on=clock.today() if phone else None,
    )
    _validate_household(hh, errors)
    person = Person(**{**head, "relation": Relation.HEAD})
    _phone_touched(person)
    person_errors: dict[str, list[str]] = {}
    _validate_person(person, person_errors)
    errors.update({f"head.{k}": v for k, v in person_errors.items()})
    if errors:
        raise ServiceError(errors=errors)
    hh.number = _next_household_number(hukou_area_code)
    hh.head_name = person.name
    person.is_counted = counted(person, clock.today())
    hh.size = 1 if person.is_counted else 0
    hh.save()
    person.household = hh
    person.save()
    audit_record(
        actor=actor,
        action="household.create",
        subject_type="household",
        subject_id=hh.pk,
        household_id=hh.pk,
        area_code=hukou_area_code,
        reason=reason,
        after={
            **snapshot(hh, HOUSEHOLD_FIELDS),
            "number": hh.number,
            "head": snapshot(person, PERSON_FIELDS),
        },
    )
    return hh


@transaction.atomic
def household_update(
    *, actor, household_id: int, version: int, data: dict, reason: str = ""
) -> Household:
    hh = access(
        Household.objects.select_for_update(), actor, Capability.REGISTRY_EDIT, pk=household_id
    )
    if hh.version != version:
        raise ConcurrentEditError(_("该家庭信息"))
    before = snapshot(hh, HOUSEHOLD_FIELDS)
    errors: dict[str, list[str]] = {}
    if "hukou_area" in data and data["hukou_area"] != hh.hukou_area_id:
        _village(data["hukou_area"], "hukou_area", _("户籍地"), errors)
        require_area(actor, Capability.REGISTRY_EDIT, data["hukou_area"] or "")
    if "residence_area" in data:
        _village(data["residence_area"], "residence_area", _("居住地"), errors)
    for name in HOUSEHOLD_FIELDS:
        if name in data:
            setattr(
                hh,
                hh._meta.get_field(name).attname,
                data[name] or (None if name == "residence_area" else ""),
            )
    _validate_household(hh, errors)
    if errors:
        raise ServiceError(errors=errors)
    old, new = _diff(before, snapshot(hh, HOUSEHOLD_FIELDS))
    if not new:
        return hh
    stamp = {"phone_updated_on": clock.today()} if "phone" in new else {}
    updated = Household.objects.filter(pk=hh.pk, version=version).update(
        **{hh._meta.get_field(k).attname: getattr(hh, hh._meta.get_field(k).attname) for k in new},
        **stamp,
        version=F("version") + 1,
    )
    if updated != 1:
        raise ConcurrentEditError(_("该家庭信息"))
    hh.refresh_from_db()
    audit_record(
        actor=actor,
        action="household.update",
        subject_type="household",
        subject_id=hh.pk,
        household_id=hh.pk,
        area_code=hh.hukou_area_id,
        reason=reason,
        before=old,
        after=new,
    )
    return hh


@transaction.atomic
def person_add(*, actor, household_id: int, data: dict, reason: str = "") -> Person:
    hh = access(
        Household.objects.select_for_update(), actor, Capability.REGISTRY_EDIT, pk=household_id
    )
    person = Person(household=hh, **{k: v for k, v in data.items() if k in PERSON_FIELDS})
    _phone_touched(person)
    errors: dict[str, list[str]] = {}
    _validate_person(person, errors)
    if person.relation == Relation.HEAD:
        errors.setdefault("relation", []).append(
            _("该家庭已有户主；如需变更户主，请先修改原户主的关系")
        )
    if errors:
        raise ServiceError(errors=errors)
    person.is_counted = counted(person, clock.today())
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise ServiceError(_("该身份证号已登记，不能重复登记"), field="id_number") from exc
    _refresh_household_summary(hh.pk)
    Household.objects.filter(pk=hh.pk).update(version=F("version") + 1)
    audit_record(
        actor=actor,
        action="person.add",
        subject_type="person",
        subject_id=person.pk,
        household_id=hh.pk,
        area_code=hh.hukou_area_id,
        reason=reason,
        after=snapshot(person, PERSON_FIELDS),
    )
    return person


@transaction.atomic
def person_update(*, actor, person_id: int, version: int, data: dict, reason: str = "") -> Person:
    person = access(
        Person.objects.select_for_update().select_related("household"),
        actor,
        Capability.REGISTRY_EDIT,
        pk=person_id,
    )
    if person.version != version:
        raise ConcurrentEditError(_("该成员信息"))
    before = snapshot(person, PERSON_FIELDS)
    for name in PERSON_FIELDS:
        if name in data:
            setattr(person, name, data[name])
    errors: dict[str, list[str]] = {}
    _validate_person(person, errors)
    if (
        person.relation == Relation.HEAD
        and before["relation"] != Relation.HEAD
        and Person.objects.filter(household_id=person.household_id, relation=Relation.HEAD).exists()
    ):
        errors.setdefault("relation", []).append(_("该家庭已有户主，一户只能有一名户主"))
    if errors:
        raise ServiceError(errors=errors)
    # Derived, never typed: 共同生活家庭成员 follows the facts of Art. 7 (registry.counting).
    person.is_counted = counted(person, clock.today())
    old, new = _diff(before, snapshot(person, PERSON_FIELDS))
    if not new:
        return person
    try:
        with transaction.atomic():
            stamp = {"phone_updated_on": clock.today()} if "phone" in new else {}
            updated = Person.objects.filter(pk=person.pk, version=version).update(
                **{k: getattr(person, k) for k in new}, **stamp, version=F("version") + 1
            )
    except IntegrityError as exc:
        raise ServiceError(_("该身份证号已登记，不能重复登记"), field="id_number") from exc
    if updated != 1:
        raise ConcurrentEditError(_("该成员信息"))
    person.refresh_from_db()
    if {"name", "relation", "is_counted", "death_date"} & new.keys():
        _refresh_household_summary(person.household_id)
    audit_record(
        actor=actor,
        action="person.update",
        subject_type="person",
        subject_id=person.pk,
        household_id=person.household_id,
        area_code=person.household.hukou_area_id,
        reason=reason,
        before=old,
        after=new,
    )
    return person


@transaction.atomic
def person_remove(*, actor, person_id: int, version: int, reason: str) -> None:
    """Remove a member registered by mistake (a typo'd birth date, a person of another household).

    A reason is required; the audit log keeps the whole record and the facts removed with it. The
    户主 cannot be removed (change the head first), nor a person a case or the roll names — mark
    them 不共同生活 or record a death instead."""
    from django.db.models import ProtectedError

    person = access(
        Person.objects.select_for_update().select_related("household"),
        actor,
        Capability.REGISTRY_EDIT,
        pk=person_id,
    )
    if person.version != version:
        raise ConcurrentEditError(_("该成员信息"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("移除成员须填写理由"), field="reason")
    if person.relation == Relation.HEAD:
        raise ServiceError(
            _("户主不能移除；如需变更户主，请先把另一成员设为户主"), field="relation"
        )
    before = snapshot(person, PERSON_FIELDS)
    facts = {
        kind: [f.pk for f in model.objects.filter(person=person)]
        for kind, model in FACT_MODELS.items()
    }
    hh = person.household
    try:
        with transaction.atomic():
            person.delete()
    except ProtectedError as exc:
        raise ServiceError(
            _(
                "该成员是申请人、救助名册或其他记录中的对象，不能移除；"
                "请改为“不共同生活”或登记死亡日期"
            ),
            code="protected",
        ) from exc
    _refresh_household_summary(hh.pk)
    Household.objects.filter(pk=hh.pk).update(version=F("version") + 1)
    audit_record(
        actor=actor,
        action="person.remove",
        subject_type="person",
        subject_id=person_id,
        household_id=hh.pk,
        area_code=hh.hukou_area_id,
        reason=reason,
        before={**before, "facts": {k: v for k, v in facts.items() if v}},
    )


FACT_MODELS = {
    "income": IncomeItem,
    "asset": Asset,
    "expense": RigidExpense,
    "event": EmergencyEvent,
    "selfcare": SelfCareAssessment,
    "obligor": Obligor,
    "joboffer": JobOffer,
}
# Facts about one member: the member is required.
PER_PERSON_FACTS = ("selfcare", "obligor", "joboffer")
FACT_FIELDS = {
    "income": (
        "person",
        "kind",
        "amount",
        "period_start",
        "period_end",
        "excluded",
        "source",
        "as_of",
        "note",
    ),
    "asset": (
        "person",
        "kind",
        "value",
        "description",
        "registration_no",
        "exempt",
        "source",
        "as_of",
        "note",
    ),
    "expense": (
        "person",
        "kind",
        "amount",
        "period_start",
        "period_end",
        "source",
        "as_of",
        "note",
    ),
    "event": ("person", "kind", "event_date", "loss", "source", "as_of", "note"),
    "selfcare": (
        "person",
        "eating",
        "dressing",
        "transfer",
        "toileting",
        "walking",
        "bathing",
        "assessor",
        "source",
        "as_of",
        "note",
    ),
    "obligor": (
        "person",
        "kind",
        "name",
        "birth_date",
        "on_tekun",
        "on_dibao",
        "disability_type",
        "disability_grade",
        "income_year",
        "property_within_limits",
        "no_legal_capacity",
        "declared_missing",
        "in_prison",
        "source",
        "as_of",
        "note",
    ),
    "joboffer": ("person", "kind", "employer", "refused", "source", "as_of", "note"),
}
MONEY_FIELD = {
    "income": "amount",
    "asset": "value",
    "expense": "amount",
    "event": "loss",
    "obligor": "income_year",
}
# Money that may be left empty (not yet checked).
OPTIONAL_MONEY = ("obligor",)


def _validate_fact(fact, kind: str, errors: dict[str, list[str]]) -> None:
    if hasattr(fact, "kind"):
        _check_choices(fact, ("kind",), errors)
        if not fact.kind:
            label = fact._meta.get_field("kind").verbose_name
            errors.setdefault("kind", []).append(_("“%(label)s”为必填项") % {"label": label})
    if kind in PER_PERSON_FACTS:
        _validate_person_fact(fact, kind, errors)
    money_field = MONEY_FIELD.get(kind)
    if money_field is None:
        value = label = None
    else:
        value = getattr(fact, money_field)
        label = fact._meta.get_field(money_field).verbose_name
    try:
        value = decimal.Decimal(str(value)) if value not in (None, "") else None
    except decimal.InvalidOperation:
        value = "bad"
    if money_field is None or (value is None and kind in OPTIONAL_MONEY):
        if money_field:
            setattr(fact, money_field, None)
    elif value is None:
        errors.setdefault(money_field, []).append(_("“%(label)s”为必填项") % {"label": label})
    elif value == "bad" or not value.is_finite():
        errors.setdefault(money_field, []).append(_("“%(label)s”须为数字") % {"label": label})
    elif value < 0:
        errors.setdefault(money_field, []).append(_("“%(label)s”不能为负数") % {"label": label})
    elif value != value.quantize(decimal.Decimal("0.01")):
        errors.setdefault(money_field, []).append(
            _("“%(label)s”最多保留两位小数（到分）") % {"label": label}
        )
    elif value >= decimal.Decimal("1e12"):
        errors.setdefault(money_field, []).append(_("“%(label)s”超出允许范围") % {"label": label})
    else:
        setattr(fact, money_field, value)
    if isinstance(fact.as_of, str):  # from the API or a test: text until parsed
        try:
            fact.as_of = datetime.date.fromisoformat(fact.as_of.strip())
        except ValueError:
            fact.as_of = None
    if fact.as_of is None:
        errors.setdefault("as_of", []).append(_("“数据日期”为必填项"))
    elif fact.as_of > clock.today():
        errors.setdefault("as_of", []).append(_("“数据日期”不能晚于今天"))
    if kind == "event":
        if fact.event_date is None:
            errors.setdefault("event_date", []).append(_("“发生日期”为必填项"))
        elif fact.event_date > clock.today():
            errors.setdefault("event_date", []).append(_("“发生日期”不能晚于今天"))
    if kind in ("income", "expense"):
        if fact.period_start is None:
            errors.setdefault("period_start", []).append(_("“起始月”为必填项"))
        if fact.period_end is None:
            errors.setdefault("period_end", []).append(_("“截止月”为必填项"))
        if fact.period_start and fact.period_end and fact.period_end < fact.period_start:
            errors.setdefault("period_end", []).append(_("“截止月”不能早于“起始月”"))
    if (
        fact.person_id
        and not Person.objects.filter(pk=fact.person_id, household_id=fact.household_id).exists()
    ):
        errors.setdefault("person", []).append(_("所选成员不属于该家庭"))


def _validate_person_fact(fact, kind: str, errors: dict[str, list[str]]) -> None:
    """The member-level facts: 自理能力评估, 法定义务人, 就业推荐."""
    if not fact.person_id:
        errors.setdefault("person", []).append(_("“成员”为必填项"))
    if kind == "selfcare" and not (fact.assessor or "").strip():
        errors.setdefault("assessor", []).append(_("“评估人/机构”为必填项"))
    if kind == "joboffer" and not (fact.employer or "").strip():
        errors.setdefault("employer", []).append(_("“用人单位/岗位”为必填项"))
    if kind == "obligor":
        _check_choices(fact, ("disability_type",), errors)
        if bool(fact.disability_type) != (fact.disability_grade is not None):
            errors.setdefault("disability_grade", []).append(
                _("“义务人残疾类别”和“义务人残疾等级”须同时填写或同时为空")
            )
        elif fact.disability_grade is not None and not 1 <= int(fact.disability_grade) <= 4:
            errors.setdefault("disability_grade", []).append(_("“义务人残疾等级”须为1至4级"))
        if isinstance(fact.birth_date, str):
            try:
                fact.birth_date = (
                    datetime.date.fromisoformat(fact.birth_date.strip())
                    if fact.birth_date
                    else None
                )
            except ValueError:
                fact.birth_date = None
                errors.setdefault("birth_date", []).append(
                    _("“义务人出生日期”不是有效日期，请按 年-月-日 填写，如 1950-05-17")
                )
        if fact.birth_date and fact.birth_date > clock.today():
            errors.setdefault("birth_date", []).append(_("“义务人出生日期”不能晚于今天"))
        elif fact.birth_date and fact.birth_date < EARLIEST_BIRTH:
            errors.setdefault("birth_date", []).append(
                _("“义务人出生日期”不合理：不能早于%(year)s年") % {"year": EARLIEST_BIRTH.year}
            )


@transaction.atomic
def fact_add(*, actor, household_id: int, kind: str, data: dict, reason: str = ""):
    """Add an income item, asset, rigid expense, emergency event, self-care assessment, legal
    obligor or job offer (``kind`` = income / asset / expense / event / selfcare / obligor /
    joboffer)."""
    model = FACT_MODELS[kind]
    hh = access(
        Household.objects.select_for_update(), actor, Capability.REGISTRY_EDIT, pk=household_id
    )
    values = {k: v for k, v in data.items() if k in FACT_FIELDS[kind]}
    if "person" in values:
        values["person_id"] = values.pop("person") or None
    values.setdefault("as_of", clock.today())
    fact = model(household=hh, **values)
    errors: dict[str, list[str]] = {}
    _validate_fact(fact, kind, errors)
    if errors:
        raise ServiceError(errors=errors)
    fact.save()
    Household.objects.filter(pk=hh.pk).update(version=F("version") + 1)
    audit_record(
        actor=actor,
        action=f"{kind}.add",
        subject_type=kind,
        subject_id=fact.pk,
        household_id=hh.pk,
        area_code=hh.hukou_area_id,
        reason=reason,
        after=snapshot(fact, FACT_FIELDS[kind]),
    )
    return fact


@transaction.atomic
def fact_delete(*, actor, kind: str, fact_id: int, reason: str) -> None:
    """Remove a fact that was wrong. A reason is required; the audit log keeps the old value."""
    model = FACT_MODELS[kind]
    if not (reason or "").strip():
        raise ServiceError(_("删除记录须填写理由"), field="reason")
    fact = access(
        model.objects.select_related("household"), actor, Capability.REGISTRY_EDIT, pk=fact_id
    )
    before = snapshot(fact, FACT_FIELDS[kind])
    hh = fact.household
    fact.delete()
    Household.objects.filter(pk=hh.pk).update(version=F("version") + 1)
    audit_record(
        actor=actor,
        action=f"{kind}.delete",
        subject_type=kind,
        subject_id=fact_id,
        household_id=hh.pk,
        area_code=hh.hukou_area_id,
        reason=reason,
        before=before,
    )


def hardship_scores_write(df) -> None:
    """Set each household's ``hardship_score`` from a frame (household_id, score): the policy
    run's scores, written by the registry (the owner of the table)."""
    import polars as pl
    from django.db import connection

    from jiuzhu.core.frames import is_postgresql, write_frame

    if df.height == 0:
        return
    with connection.cursor() as cur:
        if is_postgresql():
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS registry_tmp_score "
                "(id bigint PRIMARY KEY, score numeric(6,2)) ON COMMIT DROP"
            )
            cur.execute("TRUNCATE registry_tmp_score")
        else:
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS registry_tmp_score "
                "(id integer PRIMARY KEY, score text)"
            )
            cur.execute("DELETE FROM registry_tmp_score")
    write_frame(
        "registry_tmp_score",
        df.select(pl.col("household_id").alias("id"), pl.col("score").cast(pl.Utf8).alias("score")),
    )
    with connection.cursor() as cur:
        if is_postgresql():
            cur.execute("ANALYZE registry_tmp_score")
            # Only rows whose score changes: a nightly run rewrites few rows, not the table.
            cur.execute(
                "UPDATE registry_household h SET hardship_score = t.score "
                "FROM registry_tmp_score t WHERE h.id = t.id "
                "AND h.hardship_score IS DISTINCT FROM t.score"
            )
        else:
            cur.execute(
                "UPDATE registry_household SET hardship_score = t.score "
                "FROM registry_tmp_score t WHERE registry_household.id = t.id "
                "AND registry_household.hardship_score IS NOT CAST(t.score AS REAL)"
            )
            cur.execute("DROP TABLE registry_tmp_score")


@transaction.atomic
def members_recount(*, on: datetime.date | None = None) -> int:
    """Bring ``Person.is_counted`` up to date where a fact changed by itself: a child who turned
    18 (counted as a minor; from then on only at school, unable to live independently or living
    together). Every other fact is written through this module, which recomputes the flag.
    Returns the number of members changed; each change is audited on its household."""
    on = on or clock.today()
    adult_from = _years_before(on, ADULT_AGE)
    changed = 0
    rows = (
        Person.objects.select_for_update()
        .select_related("household")
        .filter(relation=Relation.CHILD, is_counted=True, birth_date__lte=adult_from)
        .filter(birth_date__gt=_years_before(adult_from, 1))
    )
    for person in rows:
        now = counted(person, on)
        if now == person.is_counted:
            continue
        Person.objects.filter(pk=person.pk).update(is_counted=now, version=F("version") + 1)
        _refresh_household_summary(person.household_id)
        audit_record(
            actor=None,
            action="person.recount",
            subject_type="person",
            subject_id=person.pk,
            household_id=person.household_id,
            area_code=person.household.hukou_area_id,
            reason=str(_("年满18周岁，按低保审核确认办法第七条重新判断是否共同生活家庭成员")),
            before={"is_counted": person.is_counted},
            after={"is_counted": now},
        )
        changed += 1
    return changed


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
