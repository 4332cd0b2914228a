"""Sign-in security: throttling and temporary lockout, the login log, TOTP, idle timeout.

- Every attempt is a ``LoginAttempt`` row (登录日志).
- An account with ``JIUZHU_LOGIN_MAX_FAILURES`` failures (default 5) within
  ``JIUZHU_LOGIN_LOCKOUT_MINUTES`` (default 15) is locked for that long; an address with
  ``JIUZHU_LOGIN_MAX_FAILURES_PER_ADDRESS`` (default 20) likewise. While locked even the right
  password is refused, and each refused try is logged.
- Users holding a capability in ``SECOND_FACTOR_CAPABILITIES`` must pass a TOTP (RFC 6238) code
  after the password; they enrol on first sign-in (``accounts.views.totp_enrol``).
- ``AccountSecurityMiddleware`` ends a session idle for ``JIUZHU_IDLE_TIMEOUT_MINUTES`` (default
  30), sends a user who must change the password to 修改密码, and one who has not passed the
  second factor to it — for pages and the API alike.
"""

from __future__ import annotations

import datetime

import pyotp
from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.accounts.models import LoginAttempt, User
from jiuzhu.accounts.roles import ROLE_CAPABILITIES, SECOND_FACTOR_CAPABILITIES
from jiuzhu.core import clock

SESSION_2FA = "jiuzhu_2fa_ok"
SESSION_LAST_SEEN = "jiuzhu_last_seen"
FAILURES = (LoginAttempt.Outcome.BAD_PASSWORD, LoginAttempt.Outcome.BAD_TOTP)


def _setting(name: str, default):
    return getattr(settings, name, default)


def client_address(request) -> str | None:
    # Behind a reverse proxy set JIUZHU_TRUSTED_PROXY_HEADER (e.g. HTTP_X_REAL_IP) — never
    # trust X-Forwarded-For from the open network.
    header = _setting("JIUZHU_TRUSTED_PROXY_HEADER", "")
    value = (request.META.get(header) if header else None) or request.META.get("REMOTE_ADDR")
    return value or None


def record_attempt(request, username: str, outcome: str, user=None) -> None:
    LoginAttempt.objects.create(
        at=clock.now(),
        username=(username or "")[:150],
        user=user,
        address=client_address(request),
        outcome=outcome,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
    )


def lockout_minutes() -> int:
    return int(_setting("JIUZHU_LOGIN_LOCKOUT_MINUTES", 15))


def locked_out(username: str, address: str | None) -> bool:
    """Too many recent failures for this account (since its last success) or this address."""
    since = clock.now() - datetime.timedelta(minutes=lockout_minutes())
    recent = LoginAttempt.objects.filter(at__gte=since)
    last_ok = (
        recent.filter(username=username, outcome=LoginAttempt.Outcome.SUCCESS)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    per_account = recent.filter(username=username, outcome__in=FAILURES)
    if last_ok is not None:
        per_account = per_account.filter(at__gt=last_ok)
    if per_account.count() >= int(_setting("JIUZHU_LOGIN_MAX_FAILURES", 5)):
        return True
    if address:
        per_address = recent.filter(address=address, outcome__in=FAILURES).count()
        if per_address >= int(_setting("JIUZHU_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)):
            return True
    return False


# Usernames of the demo logins, registered by ``jiuzhu.demo`` when it loads (accounts imports no
# app above it).
_DEMO_USERNAMES: set[str] = set()


def demo_usernames_register(usernames) -> None:
    """Called from ``jiuzhu.demo``'s ``AppConfig.ready()`` with the demo logins' usernames."""
    _DEMO_USERNAMES.update(usernames)


def is_demo_exempt(user) -> bool:
    """The demo logins skip TOTP and the forced change only on a demo site (JIUZHU_DEMO=1)."""
    if not _setting("JIUZHU_DEMO", False):
        return False
    return user.username in _DEMO_USERNAMES


def needs_second_factor(user) -> bool:
    if not _setting("JIUZHU_REQUIRE_TOTP", True) or is_demo_exempt(user):
        return False
    from jiuzhu.accounts.scoping import user_roles

    caps: set[str] = set()
    for a in user_roles(user):
        caps |= ROLE_CAPABILITIES.get(a.role, frozenset())
    return bool(caps & SECOND_FACTOR_CAPABILITIES)


def must_change_password(user) -> bool:
    return bool(user.must_change_password) and not is_demo_exempt(user)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Jiuzhu")


def totp_step(secret: str, code: str) -> int | None:
    """The time step (unix time // 30) whose code is ``code``, within one step either side of
    now (clock drift), or None."""
    code = (code or "").strip().replace(" ", "")
    if not secret or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now()
    here = totp.timecode(now)
    for step in (here - 1, here, here + 1):
        if pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def totp_valid(secret: str, code: str) -> bool:
    return totp_step(secret, code) is not None


def totp_accept(user: User, code: str) -> bool:
    """Check ``code`` against the user's confirmed secret and use it up: a code accepted once
    (or any code of an earlier step) is refused afterwards, so one overheard or phished code
    cannot be replayed within its window. The step is claimed with one conditional UPDATE, so
    two simultaneous sign-ins with the same code cannot both pass."""
    from django.db.models import Q

    step = totp_step(user.totp_secret, code)
    if step is None:
        return False
    claimed = (
        User.objects.filter(pk=user.pk)
        .filter(Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step))
        .update(totp_last_step=step)
    )
    if claimed:
        user.totp_last_step = step
    return bool(claimed)


# Paths a half-signed-in user (forced change, second factor pending) may still reach.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/gongshi/", "/login/", "/logout/")


class AccountSecurityMiddleware:
    """Idle timeout, forced password change and the second factor, on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request, user):
        now = clock.now().timestamp()
        idle = int(_setting("JIUZHU_IDLE_TIMEOUT_MINUTES", 30)) * 60
        last = request.session.get(SESSION_LAST_SEEN)
        if last is not None and now - float(last) > idle:
            record_attempt(request, user.username, LoginAttempt.Outcome.IDLE_TIMEOUT, user)
            logout(request)
            return self._refuse(request, _("长时间未操作，已自动退出，请重新登录"), "login")
        if last is None or now - float(last) >= 60:  # a write a minute, not one per request
            request.session[SESSION_LAST_SEEN] = now
        path = request.path
        if path.startswith(_OPEN_PREFIXES):
            return None
        if needs_second_factor(user) and not request.session.get(SESSION_2FA):
            target = "totp_verify" if user.totp_confirmed_at else "totp_enrol"
            return self._refuse(request, _("请先完成动态口令验证"), target)
        if must_change_password(user) and not path.startswith("/accounts/password/"):
            return self._refuse(
                request, _("首次登录或密码被重置后须先修改密码"), "accounts:password_change"
            )
        return None

    @staticmethod
    def _refuse(request, message: str, url_name: str):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "unauthenticated", "message": message, "errors": {}}, status=401
            )
        return redirect(reverse(url_name))
