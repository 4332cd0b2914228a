"""核对 end to end: a synthetic county, its ten feeds, planted cases, the done-when scenario."""

import polars as pl
import pytest
from django.core.management import call_command

from jiuzhu.accounts.roles import Role
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.demo.synth_feeds import generate, registry_frame
from jiuzhu.registry.models import Household, Person
from jiuzhu.verify.models import Finding, RecordLink, ReviewDecision
from jiuzhu.verify.services import batch_check, check_household, feed_import, review_decide
from tests.conftest import HAILING, JIANGYAN
from tests.factories import RollEntryFactory, first_village, user_with_role
from tests.verify.helpers import couple_on_roll, csv_bytes, one_wrong_digit


@pytest.mark.django_db(transaction=False)
def test_no_check_without_authorisation(taizhou):
    from tests.factories import household_with_head

    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    hh = household_with_head(hukou_area_id=first_village("321202001000"))
    with pytest.raises(ServiceError, match="核对授权书"):
        check_household(actor=approver, household_id=hh.pk, reason="申请核对")


@pytest.mark.slow
@pytest.mark.django_db
def test_county_check_finds_planted_cases_and_the_husbands_car(taizhou, tmp_path, client):
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    # A small synthetic county and its ten department feeds (with dirt and planted cases).
    call_command("synth", households=250, seed=11, out=tmp_path / "reg", area=HAILING)
    call_command("import", "registry", str(tmp_path / "reg"))
    fs = generate(registry_frame(tmp_path / "reg"), seed=5, county_factor=0.5, today=clock.today())
    for dept, frame in fs.feeds.items():
        result = feed_import(
            actor=None,
            department=dept,
            data=frame.write_csv().encode(),
            file_name=f"{dept}.csv",
            extracted_on=clock.today(),
        )
        assert result.feed_import.status == "accepted", result.feed_import.report[:3]
    # A batch 核对 covers the households on assistance: put every household with a planted case
    # on the 低保 roll (a county of 250 has about 20 on it, and few planted cases among them).
    planted = [
        "death",
        "vehicle",
        "business",
        "property",
        "wage_above_line",
        "disability_unknown",
        "large_medical",
    ]
    truth = fs.truth.filter(pl.col("planted").is_in(planted))
    assert set(truth["planted"]) == set(planted)
    for household in Household.objects.filter(
        number__in=truth["household_number"].unique().to_list()
    ).exclude(roll_entries__status="active"):
        RollEntryFactory(household=household)

    # The done-when household: the husband's car is registered in 姜堰区 under his ID with one
    # wrong digit, and he is the legal representative of a company.
    village = first_village("321202001000")
    hh, wife, husband, app, _ = couple_on_roll(approver, village)
    bad_id = one_wrong_digit(husband.id_number)
    feed_import(
        actor=None,
        department="vehicles",
        file_name="v2.csv",
        data=csv_bytes(
            "vehicles", [f"VX1,苏M8A8A8,{bad_id},张建国,,car,85000.00,2023-05-06,321204001001"]
        ),
    )
    feed_import(
        actor=None,
        department="market",
        file_name="m2.csv",
        data=csv_bytes(
            "market",
            [
                f"MX1,91321202MA1XYZ1234,泰州建国商贸有限公司,{husband.id_number},张建国,,legal_rep,100000.00,active,2021-03-01,321202001001"
            ],
        ),
    )

    batch = batch_check(reason="测试批量核对")
    assert batch.stats["findings"] > 0
    check = check_household(
        actor=approver, household_id=hh.pk, reason="申请核对", application_id=app.pk
    )
    kinds = set(check.findings.values_list("kind", flat=True))
    assert {"vehicle", "business"} <= kinds
    car = check.findings.get(kind="vehicle")
    assert car.person_id == husband.pk and "外县" in car.summary and car.source == "feed:vehicles"
    link = RecordLink.objects.get(record__record_key="VX1")
    assert (
        link.person_id == husband.pk
        and link.method == "probabilistic"
        and link.match_probability >= 0.99
    )
    assert link.comparison["id_number"]["level"] == "id_explainable"
    # the match weight and the comparison that produced it are stored with the link
    assert link.match_weight is not None and link.match_weight > 0
    assert {"id_number", "name", "birth_date", "sex", "area"} <= set(link.comparison)
    assert all(v["weight"] is not None for v in link.comparison.values())

    # Planted cases (ground truth) are found, each on the planted member: every death, vehicle,
    # company, property, wage above the line, disability unknown to the registry and large
    # medical bill. A member's number in the export is their place in the household.
    member: dict[tuple[str, int], int] = {}
    seen: dict[str, int] = {}
    for pk, number in Person.objects.order_by("id").values_list("pk", "household__number"):
        seen[number] = seen.get(number, 0) + 1
        member[(number, seen[number])] = pk
    found = set(Finding.objects.filter(check_run__batch=batch).values_list("kind", "person_id"))
    missed = [
        row
        for row in truth.iter_rows(named=True)
        if (row["planted"], member[(row["household_number"], int(row["member_no"]))]) not in found
    ]
    assert not missed, missed[:5]
    assert len(truth.unique(["planted", "household_number", "member_no"])) >= 7 * 3
    medical = Finding.objects.filter(check_run__batch=batch, kind="large_medical")
    assert all(f.amount >= 10_000 and f.source == "feed:medical_insurance" for f in medical)

    # The county approver opens the report and sees the car (外县) and the company, with sources.
    client.force_login(approver)
    page = client.get(f"/verify/households/{hh.pk}/report/")
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        "苏M8A8A8" in html and "外县" in html and "泰州建国商贸有限公司" in html and "车管" in html
    )
    pdf = client.get(f"/verify/households/{hh.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    # another county's approver: not found (scoped, existence not leaked)
    client.force_login(user_with_role(Role.COUNTY_APPROVER, JIANGYAN))
    assert client.get(f"/verify/households/{hh.pk}/report/").status_code == 404
    assert client.get(f"/verify/households/{hh.pk}/report.pdf").status_code == 404

    # A person rejects the car link; the next run remembers it.
    review_decide(actor=approver, link_id=link.pk, decision="rejected", note="车辆属同名他人")
    check_household(actor=approver, household_id=hh.pk, reason="复核")
    assert not RecordLink.objects.filter(record__record_key="VX1", person=husband).exists()
    assert ReviewDecision.objects.filter(record__record_key="VX1", decision="rejected").exists()
