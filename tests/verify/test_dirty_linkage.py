"""Dirty department rows of registry members are linked to the right person (precision and
recall against the synthetic truth); the trained model is saved with the run and reused; every
probabilistic link carries its match weight and comparison."""

import datetime
import json

import polars as pl
import pytest
from django.core.management import call_command

from jiuzhu.core.idcard import check_digit
from jiuzhu.demo.synth_feeds import DIRT_KINDS, generate, registry_frame
from jiuzhu.registry.models import Person
from jiuzhu.verify.matching import COMPARISON_COLUMNS, LinkModel
from jiuzhu.verify.models import FeedRecord, LinkStatus, MatchRun, RecordLink
from jiuzhu.verify.services import feed_import, link_run
from tests.conftest import HAILING


@pytest.mark.slow
@pytest.mark.django_db
def test_dirty_rows_linked_to_the_right_person_and_the_model_reused(taizhou, tmp_path):
    call_command("synth", households=400, seed=41, out=tmp_path / "reg", area=HAILING)
    call_command("import", "registry", str(tmp_path / "reg"))
    registry = registry_frame(tmp_path / "reg")
    fs = generate(registry, seed=43, county_factor=0.5, dirt=0.3)

    # Every kind of dirt is in the truth file, and the feeds carry it as the truth says.
    assert set(fs.truth["dirt"]) == {*DIRT_KINDS, "none"}
    rows = pl.concat(
        [
            frame.select("record_id", "id_number", "name").with_columns(department=pl.lit(dept))
            for dept, frame in fs.feeds.items()
        ]
    ).join(fs.truth, on=["department", "record_id"])
    members = registry.select(
        "household_number",
        pl.col("member_no").cast(pl.Utf8),
        pl.col("id_number").alias("true_id"),
        pl.col("name").alias("true_name"),
    )
    rows = rows.with_columns(pl.col("member_no").cast(pl.Utf8)).join(
        members, on=["household_number", "member_no"], how="left"
    )
    for kind in DIRT_KINDS:
        dirty = rows.filter((pl.col("dirt") == kind) & pl.col("true_id").is_not_null())
        assert len(dirty) >= 5, kind
        for row in dirty.iter_rows(named=True):
            if kind == "id_typo":
                assert len(row["id_number"]) == 18 and row["id_number"] != row["true_id"]
                assert check_digit(row["id_number"][:17]) != row["id_number"][17], row
            elif kind == "id15":
                assert row["id_number"] == row["true_id"][:6] + row["true_id"][8:17]
            elif kind == "no_id":
                assert row["id_number"] == ""
            else:
                assert row["id_number"] == row["true_id"]
        if kind == "name_variant":
            assert (dirty["name"] != dirty["true_name"]).mean() >= 0.5

    for dept, frame in fs.feeds.items():
        result = feed_import(
            actor=None,
            department=dept,
            data=frame.write_csv().encode(),
            file_name=f"{dept}.csv",
            extracted_on=datetime.date(2026, 10, 31),
        )
        assert result.feed_import.status == "accepted", result.feed_import.report[:3]

    first = link_run()
    # The trained Splink parameters are saved with the run and load back as a model.
    assert first.model is not None and "seconds_train" in first.stats
    model = LinkModel.from_json(json.dumps(first.model))
    ids = [c["output_column_name"] for c in model.settings["comparisons"]]
    assert ids == list(COMPARISON_COLUMNS)
    assert all(
        lv.get("m_probability") is not None
        for c in model.settings["comparisons"]
        for lv in c["comparison_levels"]
        if not lv.get("is_null_level")
    )

    # Precision and recall of the dirty rows (the default threshold: accepted links).
    member_pk: dict[tuple[str, str], int] = {}
    seen: dict[str, int] = {}
    for pk, number in Person.objects.order_by("id").values_list("pk", "household__number"):
        seen[number] = seen.get(number, 0) + 1
        member_pk[(number, str(seen[number]))] = pk
    record_pk = {
        (dept, key): pk
        for pk, dept, key in FeedRecord.objects.values_list("pk", "department", "record_key")
    }
    linked = dict(
        RecordLink.objects.filter(status=LinkStatus.ACCEPTED).values_list("record_id", "person_id")
    )
    dirty = fs.truth.filter(pl.col("dirt") != "none")
    true_positive = false_positive = members_dirty = 0
    for row in dirty.iter_rows(named=True):
        record = record_pk[(row["department"], row["record_id"])]
        truth = (
            member_pk[(row["household_number"], str(row["member_no"]))]
            if row["household_number"]
            else None
        )
        members_dirty += truth is not None
        if record in linked:
            if linked[record] == truth:
                true_positive += 1
            else:
                false_positive += 1
    assert members_dirty >= 200
    precision = true_positive / (true_positive + false_positive)
    recall = true_positive / members_dirty
    assert precision >= 0.98, (precision, recall, true_positive, false_positive)
    assert recall >= 0.95, (precision, recall, true_positive, members_dirty)

    # Every probabilistic link carries its match weight and the comparison that produced it.
    probabilistic = RecordLink.objects.filter(method="probabilistic")
    assert probabilistic.count() >= 50
    for link in probabilistic:
        assert link.match_weight is not None and 0.6 <= link.match_probability <= 1
        assert set(link.comparison) == set(COMPARISON_COLUMNS), link.comparison
        assert all("level" in v and "weight" in v for v in link.comparison.values())

    # The next run reuses the saved model: no training step, the same parameters, the same links.
    second = link_run()
    assert "seconds_train" not in second.stats and second.model == first.model
    assert second.stats["links_written"] == 0
    assert MatchRun.objects.count() == 2
