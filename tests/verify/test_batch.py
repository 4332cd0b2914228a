"""The set-based batch (full and incremental) and the per-application check that loads only what
it needs, on a small synthetic county (SQLite by default; PostgreSQL through COPY)."""

import polars as pl
import pytest
from django.core.management import call_command

from jiuzhu.accounts.roles import Role
from jiuzhu.core import clock, frames
from jiuzhu.demo.synth_feeds import generate, registry_frame
from jiuzhu.registry.models import Household, Person
from jiuzhu.verify.models import Check, FeedRecord, Finding
from jiuzhu.verify.selectors import findings_for
from jiuzhu.verify.services import batch_check, check_household, feed_import
from tests.conftest import HAILING
from tests.factories import RollEntryFactory, first_village, user_with_role
from tests.verify.helpers import couple_on_roll, csv_bytes


@pytest.mark.slow
@pytest.mark.django_db
def test_incremental_batch_and_a_light_household_check(taizhou, tmp_path, monkeypatch):
    # every bulk write takes the large-write path (keys and indexes dropped and re-created)
    monkeypatch.setattr(frames, "REBUILD_KEYS_ABOVE", 10)
    call_command("synth", households=300, seed=13, out=tmp_path / "reg", area=HAILING)
    call_command("import", "registry", str(tmp_path / "reg"))
    fs = generate(registry_frame(tmp_path / "reg"), seed=9, county_factor=0.5, today=clock.today())
    for dept, frame in fs.feeds.items():
        feed_import(
            actor=None,
            department=dept,
            data=frame.write_csv().encode(),
            file_name=f"{dept}.csv",
            extracted_on=clock.today(),
        )
    # the households with a planted large medical bill are on assistance (checked by the batch)
    medical_truth = fs.truth.filter(pl.col("planted") == "large_medical")
    medical_households = Household.objects.filter(
        number__in=medical_truth["household_number"].unique().to_list()
    )
    assert medical_households.exists()
    for household in medical_households.exclude(roll_entries__status="active"):
        RollEntryFactory(household=household)
    on_roll = set(
        Household.objects.filter(roll_entries__status="active").values_list("id", flat=True)
    )
    full = batch_check(reason="全量核对")
    assert not full.stats["incremental"] and full.stats["households"] == len(on_roll)
    assert Check.objects.filter(batch=full).count() == len(on_roll)
    stored = Finding.objects.filter(check_run__batch=full)
    assert stored.count() == full.stats["findings"] > 0
    # counts, sources and amounts written in bulk agree with the rows
    for check in Check.objects.filter(batch=full, finding_count__gt=0)[:20]:
        assert check.findings.count() == check.finding_count
    medical = stored.filter(kind="large_medical")
    assert set(medical.values_list("household_id", flat=True)) >= set(
        medical_households.values_list("id", flat=True)
    )
    for finding in medical:
        assert finding.amount >= 10_000 and finding.source == "feed:medical_insurance"
        assert finding.department == "medical_insurance" and finding.as_of is not None

    # A new market file: one household on the roll now has a company. The incremental batch
    # links only the new rows and re-checks only that household.
    hh = Household.objects.filter(pk__in=on_roll).order_by("id").first()
    person = Person.objects.filter(household=hh).exclude(id_number=None).first()
    feed_import(
        actor=None,
        department="market",
        file_name="market-new.csv",
        data=csv_bytes(
            "market",
            [
                f"MNEW1,91321202MA1NEW0001,泰州新开商贸有限公司,{person.id_number},{person.name},,"
                f"legal_rep,100000.00,active,{clock.today():%Y-%m}-01,321202001001"
            ],
        ),
    )
    inc = batch_check(reason="增量核对", incremental=True)
    assert inc.stats["incremental"] and inc.stats["records"] == 1
    assert set(Check.objects.filter(batch=inc).values_list("household_id", flat=True)) == {hh.pk}
    kinds = set(findings_for(household_ids=[hh.pk]).values_list("kind", "person_id"))
    assert ("business", person.pk) in kinds
    # the other households keep the findings of their last (full) check
    other = Check.objects.filter(batch=full, finding_count__gt=0).exclude(household=hh).first()
    assert findings_for(household_ids=[other.household_id]).count() == other.finding_count

    # One applicant's check reads the household's candidates, not the registry.
    approver = user_with_role(Role.COUNTY_APPROVER, HAILING)
    couple, wife, husband, app, _ = couple_on_roll(approver, first_village("321202001000"))
    feed_import(
        actor=None,
        department="vehicles",
        file_name="v-new.csv",
        data=csv_bytes(
            "vehicles",
            [f"VNEW1,苏M9B9B9,{husband.id_number},张建国,,car,60000.00,2024-05-06,321202001001"],
        ),
    )
    check = check_household(
        actor=approver, household_id=couple.pk, reason="申请核对", application_id=app.pk
    )
    assert check.run.stats["persons"] < Person.objects.count() / 5
    assert check.run.stats["records"] < FeedRecord.objects.count() / 20
    assert check.findings.filter(kind="vehicle", person=husband).exists()
