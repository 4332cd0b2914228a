"""Reads of the papers app, scoped through ``accounts.scoping``; values masked for display."""

from __future__ import annotations

import re

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import access, scoped, user_scope
from jiuzhu.core.masking import mask_account, mask_id_number
from jiuzhu.papers.labels import ACCEPTABLE, FIELDS, FINDINGS, KINDS
from jiuzhu.papers.models import DuplicateImage, Finding, FindingStatus, Purpose, Reading

_ID_RUN = re.compile(r"\d{17}[\dXx]|\d{15}")
_LONG_DIGITS = re.compile(r"\d{12,}")
_SECRET_FIELDS = {
    "id_number": mask_id_number,
    "card_number": mask_account,
    "certificate": mask_id_number,
}


def mask_text(text: str) -> str:
    """The OCR text with ID numbers and card numbers masked like the fields that hold them."""
    text = _ID_RUN.sub(lambda m: mask_id_number(m.group(0)), text or "")
    return _LONG_DIGITS.sub(lambda m: mask_account(m.group(0)), text)


def reading_for(user, reading_id: int) -> Reading:
    """A reading the user may see: a household's paper in the user's area (case.view); a photo
    taken to fill a form only by the one who took it."""
    r = access(Reading.objects.all(), user, Capability.CASE_VIEW, pk=reading_id)
    if r.purpose == Purpose.PREFILL and r.created_by_id != user.pk:
        from django.http import Http404

        raise Http404
    return r


def reading_view(r: Reading) -> dict:
    """What a page shows of a reading: masked fields with their labels, findings in words."""
    findings = list(r.findings.all()) if r.pk else []
    flagged = {f.field for f in findings if f.status == FindingStatus.OPEN}
    rows = []
    for key, value in (r.fields or {}).items():
        shown = _SECRET_FIELDS.get(key, lambda v: v)(value)
        if key == "sex":
            shown = {"M": _("男"), "F": _("女")}.get(value, value)
        rows.append(
            {"key": key, "label": FIELDS.get(key, key), "value": shown, "flagged": key in flagged}
        )
    return {
        "reading": r,
        "open_count": sum(
            1 for f in findings if f.status == FindingStatus.OPEN and f.code not in ("unread",)
        ),
        "kind_label": KINDS.get(r.kind, KINDS[""]),
        "rows": rows,
        "findings": [
            {
                "finding": f,
                "text": FINDINGS.get(f.code, f.code),
                "field_label": FIELDS.get(f.field, ""),
                "expected": _SECRET_FIELDS.get(f.field, lambda v: v)(f.params.get("expected", "")),
                "acceptable": f.code in ACCEPTABLE and f.person_id is not None,
            }
            for f in findings
        ],
        "text": mask_text(r.text),
    }


def readings_of_materials(user, material_ids) -> dict[int, dict]:
    """The latest reading of each of these papers the user may see, for the case page."""
    qs = scoped(
        Reading.objects.filter(material_id__in=list(material_ids)), user, Capability.CASE_VIEW
    )
    out: dict[int, dict] = {}
    for r in qs.order_by("id").prefetch_related("findings"):
        out[r.material_id] = reading_view(r)
    return out


def open_findings_count(user, household_id: int) -> int:
    return scoped(
        Finding.objects.filter(reading__household_id=household_id, status=FindingStatus.OPEN),
        user,
        Capability.CASE_VIEW,
    ).count()


# 户口簿's words for the relation to the head → the registry's relation codes
RELATION_CODES = {
    "户主": "head",
    "配偶": "spouse",
    "妻": "spouse",
    "夫": "spouse",
    "子": "child",
    "女": "child",
    "长子": "child",
    "次子": "child",
    "长女": "child",
    "次女": "child",
    "父": "parent",
    "母": "parent",
    "父亲": "parent",
    "母亲": "parent",
    "孙子": "grandchild",
    "孙女": "grandchild",
    "祖父": "grandparent",
    "祖母": "grandparent",
    "兄": "sibling",
    "弟": "sibling",
    "姐": "sibling",
    "妹": "sibling",
    "儿媳": "child_in_law",
    "女婿": "child_in_law",
}


def prefill_values(r: Reading) -> dict[str, str]:
    """The values of an ID card (or 户口簿 page) photo that fill a form (full values: the form is
    the clerk's or citizen's own entry of the same person)."""
    f = r.fields or {}
    out = {k: f.get(k, "") for k in ("name", "id_number", "birth_date", "sex", "address")}
    if f.get("relation"):
        out["relation"] = RELATION_CODES.get(f["relation"], "other")
    return out


def duplicates_visible(user):
    """Images seen for two households, where the user's area holds both (registry.edit)."""
    scope = user_scope(user, Capability.REGISTRY_EDIT)
    if not scope.prefixes:
        return DuplicateImage.objects.none()
    q = Q()
    for p in scope.prefixes:
        q |= Q(other_area__code__startswith=p)
    return scoped(DuplicateImage.objects.all(), user, Capability.REGISTRY_EDIT).filter(q)


def citizen_reading(citizen_id: int, reading_id: int) -> Reading:
    """A photo the portal's citizen took, for that citizen only (else 404)."""
    from django.http import Http404

    r = Reading.objects.filter(pk=reading_id, citizen_id=citizen_id).first()
    if r is None:
        raise Http404
    return r
