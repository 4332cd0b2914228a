"""Issue 14, items 3, 6, 8, 9, 15: maker-checker role grants, immediate revocation, sign-in
throttling and lockout, the login log, TOTP, password policy, forced change, idle timeout, and
every account action audited."""

import datetime

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from jiuzhu.accounts import services
from jiuzhu.accounts.models import LoginAttempt, RoleAssignment, User
from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.scoping import user_scope
from jiuzhu.audit.models import AuditEvent
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from tests.conftest import CHENGDONG, HAILING
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db
CITY = "321200000000"
GOOD = "Lan-Zhou-7781-qiao"


def fresh(user):
    return User.objects.get(pk=user.pk)


# --- item 3: maker-checker role grants -------------------------------------------------------


def test_admin_cannot_grant_itself_a_role():
    admin = user_with_role(Role.SYSADMIN, CITY)
    with pytest.raises(ServiceError) as exc:
        services.role_assign(actor=admin, user=admin, role=Role.COUNTY_APPROVER, area_code=HAILING)
    assert "不能给自己分配角色" in exc.value.errors["role"][0]
    assert user_scope(fresh(admin), Capability.CASE_APPROVE).empty


def test_sysadmin_and_business_roles_are_incompatible():
    admin, other = user_with_role(Role.SYSADMIN, CITY), user_with_role(Role.SYSADMIN, CITY)
    with pytest.raises(ServiceError) as exc:
        services.role_assign(actor=other, user=admin, role=Role.COUNTY_APPROVER, area_code=HAILING)
    assert exc.value.code == "incompatible_roles"
    worker = user_with_role(Role.VILLAGE_WORKER, CHENGDONG)
    with pytest.raises(ServiceError):
        services.role_assign(actor=admin, user=worker, role=Role.SYSADMIN, area_code=CITY)


def test_grant_waits_for_a_second_administrator():
    maker, checker = user_with_role(Role.SYSADMIN, CITY), user_with_role(Role.SYSADMIN, CITY)
    target = UserFactory()
    a = services.role_assign(
        actor=maker, user=target, role=Role.TOWNSHIP_REVIEWER, area_code=CHENGDONG
    )
    assert a.pending
    assert user_scope(fresh(target), Capability.REGISTRY_VIEW).empty  # not before approval
    with pytest.raises(ServiceError) as exc:
        services.role_approve(actor=maker, assignment_id=a.pk)
    assert exc.value.code == "same_person"
    with pytest.raises(ServiceError):  # the grantee may not approve its own grant either
        services.role_approve(actor=target, assignment_id=a.pk)
    services.role_approve(actor=checker, assignment_id=a.pk)
    assert not user_scope(fresh(target), Capability.REGISTRY_VIEW).empty
    ev = AuditEvent.objects.filter(action="role.approve").latest("seq")
    assert ev.actor_id == checker.pk and ev.after["assignment"] == a.pk


def test_two_admins_cannot_launder_a_self_grant_through_each_other():
    """Admin A asks admin B to grant A a business role: refused (sysadmin incompatible)."""
    a, b = user_with_role(Role.SYSADMIN, CITY), user_with_role(Role.SYSADMIN, CITY)
    with pytest.raises(ServiceError):
        services.role_assign(actor=b, user=a, role=Role.PAYMENTS_OFFICER, area_code=HAILING)


def test_grant_and_approve_through_the_pages(client):
    maker, checker = user_with_role(Role.SYSADMIN, CITY), user_with_role(Role.SYSADMIN, CITY)
    target = user_with_role(Role.VILLAGE_WORKER, CHENGDONG)
    client.force_login(maker)
    r = client.post(
        reverse("accounts:user_detail", args=[target.pk]),
        {"role": Role.TOWNSHIP_REVIEWER, "area": CHENGDONG},
    )
    assert r.status_code == 302
    a = RoleAssignment.objects.get(user=target, role=Role.TOWNSHIP_REVIEWER)
    assert a.pending
    page = client.get(reverse("accounts:user_list")).content.decode()
    assert "待复核的角色分配" in page and "须由另一名管理员复核" in page
    client.post(reverse("accounts:role_approve", args=[a.pk]))
    assert fresh_a(a).pending  # the maker's own approval is refused
    client.force_login(checker)
    client.post(reverse("accounts:role_approve", args=[a.pk]))
    assert not fresh_a(a).pending


def fresh_a(a):
    return RoleAssignment.objects.get(pk=a.pk)


# --- item 6: revocation takes effect at once --------------------------------------------------


def test_revoked_role_stops_at_once_within_the_same_session(client):
    admin = user_with_role(Role.SYSADMIN, CITY)
    reviewer = UserFactory()
    a = RoleAssignment.objects.create(
        user=reviewer,
        role=Role.TOWNSHIP_REVIEWER,
        area_id=CHENGDONG,
        valid_from=clock.today(),  # granted today, revoked today
    )
    client.force_login(reviewer)
    assert client.get(reverse("registry:household_list")).status_code == 200
    services.role_revoke(actor=admin, assignment_id=a.pk, reason="调岗")
    assert client.get(reverse("registry:household_list")).status_code == 403
    assert AuditEvent.objects.filter(action="role.revoke", subject_id=str(reviewer.pk)).exists()


def test_revoked_future_role_is_never_active(monkeypatch):
    admin = user_with_role(Role.SYSADMIN, CITY)
    user = UserFactory()
    start = datetime.date(2030, 3, 1)
    a = RoleAssignment.objects.create(
        user=user, role=Role.TOWNSHIP_REVIEWER, area_id=CHENGDONG, valid_from=start
    )
    services.role_revoke(actor=admin, assignment_id=a.pk, reason="未到岗")
    for day in (start, start + datetime.timedelta(days=1)):
        assert user_scope(fresh(user), Capability.REGISTRY_VIEW, on=day).empty


# --- item 9: password policy, self-service change, forced change, idle timeout ----------------


@pytest.mark.parametrize("weak", ["11111111", "1111111111", "password123", "short"])
def test_weak_passwords_are_refused(weak):
    admin = user_with_role(Role.SYSADMIN, CITY)
    with pytest.raises(ServiceError) as exc:
        services.user_create(actor=admin, username="newbie", password=weak)
    assert exc.value.errors["password"]
    assert not User.objects.filter(username="newbie").exists()


def test_new_user_must_change_password_at_first_sign_in(client):
    admin = user_with_role(Role.SYSADMIN, CITY)
    with django_atomic():
        u = services.user_create(actor=admin, username="newbie", password=GOOD)
    RoleAssignment.objects.create(
        user=u, role=Role.VILLAGE_WORKER, area_id=CHENGDONG, valid_from=datetime.date(2020, 1, 1)
    )
    r = client.post(reverse("login"), {"username": "newbie", "password": GOOD})
    assert r.status_code == 302
    r = client.get(reverse("home"))
    assert r.status_code == 302 and r["Location"] == reverse("accounts:password_change")
    assert client.get("/api/v1/cases/applications").status_code == 401
    r = client.post(
        reverse("accounts:password_change"),
        {"old_password": GOOD, "new_password": "11111111", "new_password2": "11111111"},
    )
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    new = "Qing-He-5523-shan"
    r = client.post(
        reverse("accounts:password_change"),
        {"old_password": GOOD, "new_password": new, "new_password2": new},
    )
    assert r.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # still signed in, no redirect
    u = fresh(u)
    assert u.check_password(new) and not u.must_change_password
    assert AuditEvent.objects.filter(action="user.password_change", actor=u).exists()


def test_admin_reset_is_audited_and_forces_a_change():
    admin = user_with_role(Role.SYSADMIN, CITY)
    worker = user_with_role(Role.VILLAGE_WORKER, CHENGDONG)
    services.password_reset(actor=admin, user_id=worker.pk, new_password=GOOD, reason="忘记密码")
    assert fresh(worker).must_change_password
    ev = AuditEvent.objects.filter(action="user.password_reset").latest("seq")
    assert ev.actor_id == admin.pk and ev.subject_id == str(worker.pk) and ev.reason == "忘记密码"
    with pytest.raises(ServiceError):
        services.password_reset(actor=admin, user_id=admin.pk, new_password=GOOD, reason="x")


def test_idle_session_ends(client, monkeypatch, settings):
    settings.JIUZHU_IDLE_TIMEOUT_MINUTES = 30
    user = user_with_role(Role.VILLAGE_WORKER, CHENGDONG, username="idle")
    client.post(reverse("login"), {"username": "idle", "password": "pass-1234"})
    assert client.get(reverse("home")).status_code == 200
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + datetime.timedelta(minutes=29))
    assert client.get(reverse("home")).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: start + datetime.timedelta(minutes=60))
    r = client.get(reverse("home"))
    assert r.status_code == 302 and r["Location"] == reverse("login")
    assert LoginAttempt.objects.filter(user=user, outcome="idle_timeout").exists()


# --- item 8: throttling, lockout, the login log, TOTP ------------------------------------------


def _login(client, username, password, addr="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=addr
    )


def test_lockout_after_repeated_failures_refuses_even_the_right_password(client, monkeypatch):
    user_with_role(Role.VILLAGE_WORKER, CHENGDONG, username="target")
    for _ in range(5):
        assert _login(client, "target", "wrong-password").status_code == 200
    r = _login(client, "target", "pass-1234")
    assert r.status_code == 200 and "临时锁定" in r.content.decode()
    assert LoginAttempt.objects.filter(username="target", outcome="locked").count() == 1
    later = clock.now() + datetime.timedelta(minutes=16)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert _login(client, "target", "pass-1234").status_code == 302


def test_lockout_per_address_across_usernames(client):
    user_with_role(Role.VILLAGE_WORKER, CHENGDONG, username="victim")
    for i in range(20):
        _login(client, f"guess{i}", "x", addr="10.9.9.9")
    r = _login(client, "victim", "pass-1234", addr="10.9.9.9")
    assert "临时锁定" in r.content.decode()
    assert _login(client, "victim", "pass-1234", addr="10.1.1.1").status_code == 302


def test_login_log_page(client):
    user_with_role(Role.VILLAGE_WORKER, CHENGDONG, username="cunju1")
    _login(client, "cunju1", "bad")
    admin = user_with_role(Role.SYSADMIN, CITY)
    client.force_login(admin)
    page = client.get(reverse("accounts:login_log")).content.decode()
    assert "cunju1" in page and "用户名或密码错误" in page
    worker = user_with_role(Role.VILLAGE_WORKER, CHENGDONG)
    client.force_login(worker)
    assert client.get(reverse("accounts:login_log")).status_code == 403


def test_totp_enrolment_and_verification(client, settings):
    settings.JIUZHU_REQUIRE_TOTP = True
    user_with_role(Role.COUNTY_APPROVER, HAILING, username="approver")
    assert _login(client, "approver", "pass-1234").status_code == 302
    r = client.get(reverse("home"))
    assert r["Location"] == reverse("totp_enrol")
    assert client.get("/api/v1/cases/applications").status_code == 401
    page = client.get(reverse("totp_enrol")).content.decode()
    assert "<svg" in page and "http" not in page.split("<svg", 1)[1].split("</svg>")[0][:0]
    secret = client.session["jiuzhu_totp_pending"]
    r = client.post(reverse("totp_enrol"), {"code": "000000"})
    assert "动态口令" in r.content.decode() and r.status_code == 200
    r = client.post(reverse("totp_enrol"), {"code": pyotp.TOTP(secret).at(clock.now())})
    assert r.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="user.totp_enrol").exists()
    # The next sign-in asks for a code; a wrong one is logged.
    client.logout()
    _login(client, "approver", "pass-1234")
    assert client.get(reverse("home"))["Location"] == reverse("totp_verify")
    client.post(reverse("totp_verify"), {"code": "123456"})
    assert LoginAttempt.objects.filter(username="approver", outcome="bad_totp").exists()
    # The code of the next time step (the enrolment used this one; one step of drift is allowed).
    later = clock.now() + datetime.timedelta(seconds=30)
    r = client.post(reverse("totp_verify"), {"code": pyotp.TOTP(secret).at(later)})
    assert r.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_totp_code_is_not_accepted_twice(client, settings):
    """Issue 14 follow-up: a TOTP code accepted once cannot be replayed within its window —
    not at the next sign-in, not by a second session; nor can the enrolment code be reused."""
    settings.JIUZHU_REQUIRE_TOTP = True
    user = user_with_role(Role.COUNTY_APPROVER, HAILING, username="approver")
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    services.totp_confirm(user=user, secret=secret, code=totp.at(clock.now()))
    # The enrolment code is used up.
    _login(client, "approver", "pass-1234")
    r = client.post(reverse("totp_verify"), {"code": totp.at(clock.now())})
    assert r.status_code == 200 and "动态口令" in r.content.decode()
    assert client.get(reverse("home"))["Location"] == reverse("totp_verify")
    # A fresh code (next step) passes once ...
    code = totp.at(clock.now() + datetime.timedelta(seconds=30))
    assert client.post(reverse("totp_verify"), {"code": code}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    # ... and an attacker who overheard it cannot use it in another session.
    other = Client()
    _login(other, "approver", "pass-1234")
    r = other.post(reverse("totp_verify"), {"code": code})
    assert r.status_code == 200
    assert other.get(reverse("home"))["Location"] == reverse("totp_verify")
    assert LoginAttempt.objects.filter(username="approver", outcome="bad_totp").count() == 2
    # Nor can an older code of the window.
    r = other.post(reverse("totp_verify"), {"code": totp.at(clock.now())})
    assert r.status_code == 200


def test_roles_without_pii_or_money_need_no_second_factor(client, settings):
    settings.JIUZHU_REQUIRE_TOTP = True
    user_with_role(
        Role.DEPARTMENT_DATA,
        CITY,
        username="bumen1",
    )
    _login(client, "bumen1", "pass-1234")
    assert client.get(reverse("home")).status_code == 200


def test_demo_logins_are_exempt_only_on_a_demo_site(client, settings):
    settings.JIUZHU_REQUIRE_TOTP = True
    user_with_role(Role.VILLAGE_WORKER, CHENGDONG, username="cunju")
    settings.JIUZHU_DEMO = False
    _login(client, "cunju", "pass-1234")
    assert client.get(reverse("home")).status_code == 302
    settings.JIUZHU_DEMO = True
    assert client.get(reverse("home")).status_code == 200


# --- item 15: the Django admin is read-only; every account action is audited ------------------


def test_every_admin_is_read_only(rf):
    from django.contrib import admin

    su = UserFactory(is_staff=True, is_superuser=True)
    request = rf.get("/admin/")
    request.user = su
    for model, model_admin in admin.site._registry.items():
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model


def test_admin_password_reset_page_is_gone(client):
    su = UserFactory(is_staff=True, is_superuser=True)
    victim = UserFactory()
    client.force_login(su)
    r = client.post(
        f"/admin/accounts/user/{victim.pk}/password/",
        {"password1": GOOD, "password2": GOOD},
    )
    assert r.status_code in (302, 403, 404)
    assert not fresh(victim).check_password(GOOD)


def test_deactivation_is_audited_and_ends_sessions(client):
    admin = user_with_role(Role.SYSADMIN, CITY)
    worker = user_with_role(Role.VILLAGE_WORKER, CHENGDONG)
    client.force_login(worker)
    assert client.get(reverse("home")).status_code == 200
    services.user_set_active(actor=admin, user_id=worker.pk, active=False, reason="离职")
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action="user.deactivate", subject_id=str(worker.pk)).exists()


def django_atomic():
    from django.db import transaction

    return transaction.atomic()


def test_admin_login_goes_through_the_site_login(client):
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
