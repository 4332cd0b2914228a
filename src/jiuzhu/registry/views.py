"""Registry pages: parse the request, call a selector or service, render. Nothing else.

Authority: a user without the capability anywhere gets 403; a household outside their areas is
404 (``access`` never reveals what exists elsewhere).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.pagination import list_request, list_spec, page_request
from jiuzhu.core.programmes import programme_label
from jiuzhu.registry import services
from jiuzhu.registry.display import describe_events
from jiuzhu.registry.forms import (
    DeleteReasonForm,
    FactForm,
    HouseholdFilterForm,
    HouseholdForm,
    PersonForm,
    apply_service_error,
)
from jiuzhu.registry.selectors import (
    REVEALABLE,
    editable_villages,
    fact_for_edit,
    household_for_edit,
    household_income_summary,
    household_profile,
    household_timeline,
    person_for_edit,
    person_reveal,
)

FACT_KINDS = {"income", "asset", "expense", "event", "selfcare", "obligor", "joboffer"}


def _require(request, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise PermissionDenied(capability)


@login_required
def household_list(request):
    _require(request, Capability.REGISTRY_VIEW)
    listing = list_request(request, list_spec("households"))
    form = HouseholdFilterForm(request.GET or None, area_choices=listing.areas)
    context = {
        "form": form,
        "list": listing,
        "page": listing.page,
        "filters": listing.query,
        "can_edit": has_capability(request.user, Capability.REGISTRY_EDIT),
    }
    template = (
        "registry/_household_results.html"
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results"
        else "registry/household_list.html"
    )
    return render(request, template, context)


@login_required
def person_list(request):
    _require(request, Capability.REGISTRY_VIEW)
    listing = list_request(request, list_spec("persons"))
    return render(request, "registry/person_list.html", {"list": listing, "page": listing.page})


@login_required
def household_detail(request, pk: int):
    _require(request, Capability.REGISTRY_VIEW)
    profile = household_profile(user=request.user, household_id=pk)
    timeline_page = page_request(
        request, household_timeline(user=request.user, household_id=pk), per_page=50, prefix="t"
    )
    timeline = describe_events(timeline_page.items)
    income = household_income_summary(
        members=profile["members"], income_items=profile["income_items"]
    )
    roll = [(r, programme_label(r.programme)) for r in profile["roll_entries"]]
    from jiuzhu.core.profile_sections import profile_sections

    sections = profile_sections(user=request.user, household=profile["household"])
    return render(
        request,
        "registry/household_detail.html",
        {
            **profile,
            "timeline": timeline,
            "timeline_page": timeline_page,
            "income": income,
            "roll": roll,
            "sections": sections,
        },
    )


@login_required
@require_POST
def person_reveal_view(request, pk: int, field: str):
    if field not in REVEALABLE:
        raise Http404
    _require(request, Capability.PII_REVEAL)
    value = person_reveal(user=request.user, person_id=pk, field=field)
    return HttpResponse(format_html('<span class="revealed">{}</span>', value or "—"))


@login_required
def household_create(request):
    _require(request, Capability.REGISTRY_EDIT)
    villages = editable_villages(user=request.user)
    form = HouseholdForm(request.POST or None, villages=villages, creating=True)
    head = PersonForm(request.POST or None, prefix="head", head=True)
    if request.method == "POST" and form.is_valid() & head.is_valid():
        d = form.service_data()
        try:
            hh = services.household_create(
                actor=request.user,
                hukou_area_code=d["hukou_area"],
                residence_area_code=d["residence_area"] or None,
                urban_rural=d["urban_rural"],
                address=d["address"],
                phone=d["phone"],
                head=head.service_data(),
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            form.add_error("hukou_area", _("“户籍地”不在您的管辖范围内"))
        except ServiceError as exc:
            apply_service_error(exc, {"": form, "head": head})
        else:
            messages.success(request, _("已登记家庭 %(number)s") % {"number": hh.number})
            return redirect("registry:household_detail", hh.pk)
    return render(request, "registry/household_form.html", {"form": form, "head": head})


@login_required
def household_edit(request, pk: int):
    _require(request, Capability.REGISTRY_EDIT)
    hh = household_for_edit(user=request.user, household_id=pk, audit_read=request.method == "GET")
    initial = {
        "hukou_area": hh.hukou_area_id,
        "residence_area": hh.residence_area_id or "",
        "urban_rural": hh.urban_rural,
        "address": hh.address,
        "phone": hh.phone,
        "version": hh.version,
    }
    form = HouseholdForm(
        request.POST or None, initial=initial, villages=editable_villages(user=request.user)
    )
    concurrent = False
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(
                actor=request.user,
                household_id=hh.pk,
                version=form.cleaned_data["version"] or 0,
                data=form.service_data(),
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            form.add_error("hukou_area", _("“户籍地”不在您的管辖范围内"))
        except ServiceError as exc:
            concurrent = apply_service_error(exc, {"": form})
        else:
            messages.success(request, _("家庭信息已保存"))
            return redirect("registry:household_detail", hh.pk)
    return render(
        request,
        "registry/household_form.html",
        {"form": form, "household": hh, "concurrent": concurrent},
    )


@login_required
def person_add(request, pk: int):
    _require(request, Capability.REGISTRY_EDIT)
    hh = household_for_edit(user=request.user, household_id=pk)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_add(
                actor=request.user,
                household_id=hh.pk,
                data=form.service_data(),
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            apply_service_error(exc, {"": form})
        else:
            messages.success(request, _("已添加成员"))
            return redirect("registry:household_detail", hh.pk)
    return render(request, "registry/person_form.html", {"form": form, "household": hh})


@login_required
def person_edit(request, pk: int):
    _require(request, Capability.REGISTRY_EDIT)
    # The form shows the full ID and phone to edit them: opening it is an audited reveal.
    person = person_for_edit(user=request.user, person_id=pk, audit_read=request.method == "GET")
    initial = {name: getattr(person, name) for name in services.PERSON_FIELDS}
    initial["disability_grade"] = person.disability_grade or ""
    initial["version"] = person.version
    form = PersonForm(request.POST or None, initial=initial)
    concurrent = False
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=request.user,
                person_id=person.pk,
                version=form.cleaned_data["version"] or 0,
                data=form.service_data(),
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            concurrent = apply_service_error(exc, {"": form})
        else:
            messages.success(request, _("成员信息已保存"))
            return redirect("registry:household_detail", person.household_id)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "household": person.household, "person": person, "concurrent": concurrent},
    )


@login_required
def fact_add(request, pk: int, kind: str):
    if kind not in FACT_KINDS:
        raise Http404
    _require(request, Capability.REGISTRY_EDIT)
    hh = household_for_edit(user=request.user, household_id=pk)
    form = FactForm(request.POST or None, kind_of_fact=kind, members=list(hh.members.all()))
    if request.method == "POST" and form.is_valid():
        try:
            services.fact_add(
                actor=request.user,
                household_id=hh.pk,
                kind=kind,
                data=form.service_data(),
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            apply_service_error(exc, {"": form})
        else:
            messages.success(request, _("已保存"))
            return redirect("registry:household_detail", hh.pk)
    return render(request, "registry/fact_form.html", {"form": form, "household": hh, "kind": kind})


@login_required
def person_remove(request, pk: int):
    """Remove a member registered by mistake, with a reason (audited)."""
    _require(request, Capability.REGISTRY_EDIT)
    person = person_for_edit(user=request.user, person_id=pk)
    form = DeleteReasonForm(request.POST or None)
    form.fields["reason"].label = _("移除理由")
    if request.method == "POST" and form.is_valid():
        try:
            services.person_remove(
                actor=request.user,
                person_id=person.pk,
                version=int(request.POST.get("version") or 0),
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            apply_service_error(exc, {"": form})
        else:
            messages.success(request, _("已移除该成员，移除前的内容保留在审计日志中"))
            return redirect("registry:household_detail", person.household_id)
    return render(
        request,
        "registry/person_remove.html",
        {"form": form, "person": person, "household": person.household},
    )


@login_required
def fact_delete(request, kind: str, pk: int):
    if kind not in FACT_KINDS:
        raise Http404
    _require(request, Capability.REGISTRY_EDIT)
    fact = fact_for_edit(user=request.user, kind=kind, fact_id=pk)
    form = DeleteReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.fact_delete(
                actor=request.user, kind=kind, fact_id=fact.pk, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            apply_service_error(exc, {"": form})
        else:
            messages.success(request, _("已删除，删除前的内容保留在审计日志中"))
            return redirect("registry:household_detail", fact.household_id)
    return render(
        request,
        "registry/fact_delete.html",
        {"form": form, "fact": fact, "household": fact.household, "kind": kind},
    )
