"""Sign-in by phone + SMS code: rate limits, lockout, audit, and binding to the registry."""

import datetime

import pytest
import time_machine

from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.errors import ServiceError
from jiuzhu.portal import services
from jiuzhu.portal.models import Citizen, SmsCode
from jiuzhu.portal.sms import MemoryBackend
from tests.portal.conftest import last_code, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def f(phone=PHONE):
        with django_capture_on_commit_callbacks(execute=True):
            services.code_request(phone=phone)

    return f


PHONE = "13812345678"


def test_code_is_sent_through_the_backend_and_only_its_hash_kept(taizhou, send):
    send()
    code = last_code(PHONE)
    row = SmsCode.objects.get(phone=PHONE)
    assert code not in row.code_hash and len(row.code_hash) == 64
    citizen = services.code_verify(phone=PHONE, code=code)
    assert citizen.phone == PHONE
    assert AuditEvent.objects.filter(action="portal.login", subject_id=str(citizen.pk)).exists()


def test_a_code_works_once(taizhou, send):
    send()
    code = last_code(PHONE)
    services.code_verify(phone=PHONE, code=code)
    with pytest.raises(ServiceError, match="验证码"):
        services.code_verify(phone=PHONE, code=code)


def test_bad_phone_is_refused_with_the_field_named(taizhou, send):
    with pytest.raises(ServiceError) as e:
        services.code_request(phone="12345")
    assert "手机号" in e.value.errors["phone"][0]


def test_one_code_a_minute_and_five_an_hour(taizhou, send):
    start = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as t:
        send()
        with pytest.raises(ServiceError) as e:
            send()
        assert e.value.code == "too_soon"
        for _ in range(4):
            t.shift(61)
            send()
        t.shift(61)
        with pytest.raises(ServiceError) as e:
            send()
        assert e.value.code == "rate"
    assert len(MemoryBackend.outbox) == 5


def test_five_wrong_codes_lock_the_phone_even_with_the_right_code(taizhou, send):
    send()
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(ServiceError) as e:
            services.code_verify(phone=PHONE, code=wrong)
        assert e.value.code == "invalid"
    with pytest.raises(ServiceError) as e:
        services.code_verify(phone=PHONE, code=wrong)
    assert e.value.code == "locked"
    with pytest.raises(ServiceError) as e:
        services.code_verify(phone=PHONE, code=code)
    assert e.value.code == "locked"
    assert AuditEvent.objects.filter(action="portal.login.fail").count() == 5
    assert not Citizen.objects.filter(phone=PHONE).exists()


def test_binding_needs_name_id_and_phone_to_match(taizhou):
    hh, person = registered(PHONE)
    citizen = Citizen.objects.create(phone=PHONE)
    with pytest.raises(ServiceError) as e:
        services.identity_bind(citizen=citizen, name="王秀", id_number=person.id_number)
    assert "窗口" in e.value.text()
    stranger = Citizen.objects.create(phone="13900000000")
    with pytest.raises(ServiceError):
        services.identity_bind(citizen=stranger, name=person.name, id_number=person.id_number)
    with pytest.raises(ServiceError) as e:
        services.identity_bind(citizen=citizen, name=person.name, id_number="123")
    assert "身份证号" in e.value.errors["id_number"][0]
    services.identity_bind(citizen=citizen, name=person.name, id_number=person.id_number)
    citizen.refresh_from_db()
    assert citizen.household_id == hh.pk and citizen.person_id == person.pk
    assert AuditEvent.objects.filter(action="portal.bind", household_id=hh.pk).exists()
