"""Account administration for system administrators (accounts.manage), inside their areas.

Roles are granted only through ``accounts.services.role_assign``, which refuses incompatible
roles (separation of duties); the area list offers only areas inside the manager's scope.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts import services
from jiuzhu.accounts.forms import (
    PasswordResetForm,
    ReasonForm,
    RevokeForm,
    RoleAssignForm,
    UserCreateForm,
)
from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.accounts.selectors import (
    assignable_areas,
    assignment_for_manage,
    pending_grants,
    user_for_manage,
)
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.forms import apply_service_error


def _require_manage(request) -> None:
    if not has_capability(request.user, Capability.ACCOUNTS_MANAGE):
        raise PermissionDenied(Capability.ACCOUNTS_MANAGE)


def _assign_kwargs(form) -> dict:
    d = form.cleaned_data
    return {
        "role": d["role"],
        "area_code": d["area"],
        "department": d["department"].strip(),
        "valid_from": d["valid_from"],
        "valid_until": d["valid_until"],
    }


@login_required
def user_list(request):
    _require_manage(request)
    from jiuzhu.core.pagination import list_request, list_spec

    listing = list_request(request, list_spec("users"))
    return render(
        request,
        "accounts/user_list.html",
        {"list": listing, "page": listing.page, "pending": pending_grants(manager=request.user)},
    )


@login_required
def user_create(request):
    _require_manage(request)
    form = UserCreateForm(request.POST or None, areas=assignable_areas(manager=request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            # A new account comes with its first role, so it is never outside every scope.
            with transaction.atomic():
                user = services.user_create(
                    actor=request.user,
                    username=d["username"].strip(),
                    password=d["password"],
                    full_name=d["full_name"].strip(),
                )
                services.role_assign(actor=request.user, user=user, **_assign_kwargs(form))
        except ServiceError as exc:
            apply_service_error(exc, {"": form})
        else:
            messages.success(request, _("已创建用户 %(name)s") % {"name": user.username})
            return redirect("accounts:user_detail", user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail(request, pk: int):
    _require_manage(request)
    target = user_for_manage(manager=request.user, user_id=pk)
    form = RoleAssignForm(request.POST or None, areas=assignable_areas(manager=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.role_assign(actor=request.user, user=target, **_assign_kwargs(form))
        except ServiceError as exc:
            apply_service_error(exc, {"": form})
        else:
            messages.success(request, _("已提交角色分配，须另一名系统管理员复核后生效"))
            return redirect("accounts:user_detail", target.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "form": form,
            "today": clock.today(),
            "reset_form": PasswordResetForm(prefix="reset"),
            "reason_form": ReasonForm(prefix="r"),
        },
    )


@login_required
@require_POST
def role_approve(request, pk: int):
    _require_manage(request)
    assignment = assignment_for_manage(manager=request.user, assignment_id=pk)
    try:
        services.role_approve(actor=request.user, assignment_id=assignment.pk)
    except ServiceError as exc:
        messages.error(request, exc.text())
    else:
        messages.success(request, _("已复核，角色生效"))
    return redirect("accounts:user_detail", assignment.user_id)


@login_required
@require_POST
def password_reset(request, pk: int):
    _require_manage(request)
    target = user_for_manage(manager=request.user, user_id=pk)
    form = PasswordResetForm(request.POST, prefix="reset")
    if form.is_valid():
        try:
            services.password_reset(
                actor=request.user,
                user_id=target.pk,
                new_password=form.cleaned_data["password"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            for msgs in exc.errors.values():
                for m in msgs:
                    messages.error(request, m)
            if not exc.errors:
                messages.error(request, exc.text())
        else:
            messages.success(request, _("密码已重置，用户下次登录时须修改"))
    else:
        messages.error(request, _("重置密码须填写新的初始密码和理由"))
    return redirect("accounts:user_detail", target.pk)


@login_required
@require_POST
def user_action(request, pk: int, action: str):
    """Disable / re-enable an account, or clear its authenticator (each with a reason)."""
    _require_manage(request)
    if action not in ("activate", "deactivate", "totp_reset"):
        raise Http404
    target = user_for_manage(manager=request.user, user_id=pk)
    form = ReasonForm(request.POST, prefix="r")
    if not form.is_valid():
        messages.error(request, _("须填写理由"))
        return redirect("accounts:user_detail", target.pk)
    reason = form.cleaned_data["reason"]
    try:
        if action == "totp_reset":
            services.totp_reset(actor=request.user, user_id=target.pk, reason=reason)
        else:
            services.user_set_active(
                actor=request.user, user_id=target.pk, active=action == "activate", reason=reason
            )
    except ServiceError as exc:
        messages.error(request, exc.text())
    else:
        messages.success(request, _("已办理"))
    return redirect("accounts:user_detail", target.pk)


@login_required
@require_POST
def role_revoke(request, pk: int):
    _require_manage(request)
    assignment = assignment_for_manage(manager=request.user, assignment_id=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.role_revoke(
                actor=request.user, assignment_id=assignment.pk, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            messages.error(request, exc.text())
        else:
            messages.success(request, _("已撤销角色"))
    else:
        messages.error(request, _("撤销角色须填写理由"))
    return redirect("accounts:user_detail", assignment.user_id)


@login_required
def roles(request):
    """系统管理 › 角色与权限: the fixed roles, what each may do, and how many hold it here."""
    from django.db.models import Count

    from jiuzhu.accounts.models import RoleAssignment
    from jiuzhu.accounts.roles import CAPABILITY_LABELS, INCOMPATIBLE_ROLES, ROLE_CAPABILITIES, Role
    from jiuzhu.accounts.scoping import user_scope

    scope = user_scope(request.user, Capability.ACCOUNTS_MANAGE)
    if scope.empty:
        scope = user_scope(request.user, Capability.AUDIT_VIEW)
    if scope.empty:
        raise PermissionDenied(Capability.ACCOUNTS_MANAGE)
    counts = dict(
        RoleAssignment.objects.active(clock.today())
        .filter(scope.q("area"))
        .values("role")
        .annotate(n=Count("user", distinct=True))
        .values_list("role", "n")
    )
    order = list(CAPABILITY_LABELS)
    rows = [
        {
            "label": role.label,
            "users": counts.get(role.value, 0),
            "caps": [
                CAPABILITY_LABELS[c]
                for c in sorted(ROLE_CAPABILITIES.get(role.value, ()), key=order.index)
            ],
            "incompatible": [
                Role(other).label
                for pair in INCOMPATIBLE_ROLES
                if role.value in pair
                for other in pair
                if other != role.value
            ],
        }
        for role in Role
    ]
    return render(request, "accounts/roles.html", {"roles": rows})
