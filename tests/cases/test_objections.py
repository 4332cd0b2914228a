"""Issue 14.14: anonymous 公示 objections are rate-limited per source, accepted only on the
notice's own page, and a reviewer can mark one abusive with a reason (un-pausing the case)."""

import pytest
from django.test import Client

from jiuzhu.cases import services as s
from jiuzhu.cases.models import Objection, State
from jiuzhu.core.errors import ServiceError
from tests.cases.helpers import advance, make_cast, new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(taizhou):
    return make_cast()


def _object(notice, phone="13912345678", address="203.0.113.7", area=None):
    return s.objection_submit(
        notice_id=notice.pk,
        contact_name="李某",
        contact_phone=phone,
        content="该户有未申报的收入来源",
        area_code=notice.area_id if area is None else area,
        client_address=address,
    )


def test_an_objection_is_accepted_only_on_the_notices_own_page(cast):
    app = advance(cast, new_case(cast), State.NOTICE)
    notice = app.notices.get()
    anon = Client()
    # Through the township's page (which lists the notice) or another county's page: refused.
    for code in (app.area_id[:9] + "000", "321204001001"):
        r = anon.post(
            f"/gongshi/{code}/objection/{notice.pk}/",
            {"contact_name": "李某", "contact_phone": "13912345678", "content": "有车未申报哦"},
            follow=True,
        )
        assert "请在该户所在村（社区）的公示页面提出异议" in r.content.decode()
    app.refresh_from_db()
    assert not app.paused and not Objection.objects.exists()
    # The township page's form posts to the notice's own page.
    page = anon.get(f"/gongshi/{app.area_id[:9]}000/").content.decode()
    assert f"/gongshi/{app.area_id}/objection/{notice.pk}/" in page


def test_objections_are_rate_limited_per_source(cast):
    apps = [advance(cast, new_case(cast), State.NOTICE) for _ in range(4)]
    notices = [a.notices.get() for a in apps]
    for i, n in enumerate(notices[:3]):
        _object(n, phone=f"1391234567{i}")
    with pytest.raises(ServiceError) as exc:
        _object(notices[3], phone="13912345679")
    assert exc.value.code == "rate_limited"
    # Another source is not blocked; the same phone cannot object twice to one notice.
    _object(notices[3], phone="13912345679", address="198.51.100.2")
    with pytest.raises(ServiceError) as exc:
        _object(notices[3], phone="13912345679", address="198.51.100.3")
    assert exc.value.code == "duplicate_objection"
    stored = Objection.objects.first()
    assert stored.client_hash and "203.0.113.7" not in stored.client_hash


def test_a_reviewer_marks_an_objection_abusive_with_a_reason(cast):
    app = advance(cast, new_case(cast), State.NOTICE)
    o = _object(app.notices.get())
    app.refresh_from_db()
    assert app.paused
    with pytest.raises(ServiceError):
        s.objection_resolve(
            actor=cast.approver,
            application_id=app.pk,
            version=app.version,
            objection_id=o.pk,
            upheld=False,
            abusive=True,
            reason=" ",
        )
    app = s.objection_resolve(
        actor=cast.approver,
        application_id=app.pk,
        version=app.version,
        objection_id=o.pk,
        upheld=False,
        abusive=True,
        reason="同一号码对全村十户提出相同内容，经核实均无依据",
    )
    o.refresh_from_db()
    assert o.outcome == "abusive" and not app.paused and app.state == State.NOTICE
    # The source is refused online for a while.
    other = advance(cast, new_case(cast), State.NOTICE)
    with pytest.raises(ServiceError) as exc:
        _object(other.notices.get(), phone="13800000000")
    assert exc.value.code == "abusive_source"
