"""Sign-in, the second factor, password change and the login log (登录日志).

Thin views over ``accounts.security`` (throttling, TOTP) and ``accounts.services`` (writes).
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from jiuzhu.accounts import security, services
from jiuzhu.accounts.forms import LoginForm, PasswordChangeForm, TotpForm
from jiuzhu.accounts.models import LoginAttempt
from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.accounts.selectors import login_attempts_visible
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.forms import apply_service_error
from jiuzhu.core.pagination import paginate

Outcome = LoginAttempt.Outcome


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url("home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        address = security.client_address(request)
        if security.locked_out(username, address):
            security.record_attempt(request, username, Outcome.LOCKED)
            error = _("登录失败次数过多，账号或地址已临时锁定，请 %(m)d 分钟后再试") % {
                "m": security.lockout_minutes()
            }
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                security.record_attempt(request, username, Outcome.BAD_PASSWORD)
                error = _("用户名或密码不正确，请重新输入。")
            else:
                login(request, user)
                security.record_attempt(request, username, Outcome.SUCCESS, user)
                request.session[security.SESSION_LAST_SEEN] = security.clock.now().timestamp()
                return redirect(_next_url(request))
    return render(
        request,
        "registration/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
    )


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        security.record_attempt(request, request.user.username, Outcome.LOGOUT, request.user)
    logout(request)
    return redirect("login")


@never_cache
def totp_verify(request):
    """The second step for users who must use a second factor."""
    if not request.user.is_authenticated:
        return redirect("login")
    user = request.user
    if not user.totp_confirmed_at:
        return redirect("totp_enrol")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = security.client_address(request)
        if security.locked_out(user.username, address):
            security.record_attempt(request, user.username, Outcome.LOCKED, user)
            logout(request)
            messages.error(request, _("失败次数过多，账号已临时锁定，请稍后再试"))
            return redirect("login")
        if security.totp_accept(user, form.cleaned_data["code"]):
            request.session[security.SESSION_2FA] = True
            return redirect(_next_url(request))
        security.record_attempt(request, user.username, Outcome.BAD_TOTP, user)
        form.add_error("code", _("“动态口令”不正确，请输入验证器中当前显示的6位数字"))
    return render(request, "registration/totp_verify.html", {"form": form})


@never_cache
def totp_enrol(request):
    """First sign-in of a user who needs a second factor: show the secret (QR code drawn here,
    offline) and turn it on once the user types a code from the authenticator."""
    if not request.user.is_authenticated:
        return redirect("login")
    user = request.user
    if user.totp_confirmed_at:
        return redirect("totp_verify")
    secret = request.session.get("jiuzhu_totp_pending") or security.new_totp_secret()
    request.session["jiuzhu_totp_pending"] = secret
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_confirm(user=user, secret=secret, code=form.cleaned_data["code"])
        except ServiceError as exc:
            apply_service_error(exc, {"": form})
        else:
            request.session.pop("jiuzhu_totp_pending", None)
            request.session[security.SESSION_2FA] = True
            messages.success(request, _("动态口令已启用"))
            return redirect("home")
    uri = security.totp_uri(user, secret)
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    secret_groups = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "registration/totp_enrol.html",
        {"form": form, "qr_svg": svg, "secret": secret_groups},
    )


@sensitive_post_parameters("old_password", "new_password", "new_password2")
@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.password_change(
                user=request.user, old_password=d["old_password"], new_password=d["new_password"]
            )
        except ServiceError as exc:
            apply_service_error(exc, {"": form})
        else:
            request.user.refresh_from_db()
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改"))
            return redirect("home")
    return render(
        request,
        "registration/password_change.html",
        {"form": form, "forced": security.must_change_password(request.user)},
    )


@login_required
def login_log(request):
    """登录日志: sign-in attempts of the users in the viewer's scope (and of unknown names)."""
    if not (
        has_capability(request.user, Capability.AUDIT_VIEW)
        or has_capability(request.user, Capability.ACCOUNTS_MANAGE)
    ):
        raise PermissionDenied(Capability.AUDIT_VIEW)
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    username = request.GET.get("username", "").strip()[:150]
    page = paginate(
        login_attempts_visible(viewer=request.user, username=username), page=number, per_page=50
    )
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="login_log.view",
            area_code=NATIONAL,
            subject_type="login_log",
            subject_id=username or "*",
        )
    return render(request, "accounts/login_log.html", {"page": page, "username": username})
