"""Synthetic department feeds: one seed gives the same bytes; planted registry duplicates are found;
changes in roll households are planted as the monitoring rules read them."""

import datetime

import polars as pl
import pytest
from django.core.management import call_command

from jiuzhu.demo import synth_duplicates
from jiuzhu.demo.synth_feeds import CHANGE_KINDS, generate, registry_frame
from jiuzhu.registry.models import Person
from jiuzhu.verify.models import DuplicatePair
from jiuzhu.verify.services import duplicates_detect
from tests.conftest import HAILING


@pytest.mark.django_db
def test_same_seed_writes_identical_files(taizhou, tmp_path):
    call_command("synth", households=400, seed=23, out=tmp_path / "reg", area=HAILING)
    for run in ("a", "b"):
        call_command("synth_feeds", registry=tmp_path / "reg", seed=23, out=tmp_path / run)
    names = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert len(names) >= 12 + 6  # ten feeds, two truth files, the duplicates export
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # and another seed does differ
    call_command("synth_feeds", registry=tmp_path / "reg", seed=24, out=tmp_path / "c")
    assert (tmp_path / "c" / "vehicles.csv").read_bytes() != (
        tmp_path / "a" / "vehicles.csv"
    ).read_bytes()


@pytest.mark.django_db
def test_changes_in_roll_households_are_planted(taizhou, tmp_path):
    """School leaving at 16–18, a move to another county, a first unemployment benefit: one
    member per household, on a roll, in the department's format; the other kinds' rows are the
    ones a feed set without the changes has (the changes come from a stream of their own)."""
    call_command("synth", households=2000, seed=23, out=tmp_path / "reg", area=HAILING)
    reg = registry_frame(tmp_path / "reg")
    today = datetime.date(2026, 10, 31)
    fs = generate(reg, seed=23, today=today)
    without = generate(reg, seed=23, today=today, plant_changes=False)
    for dept, frame in without.feeds.items():
        assert fs.feeds[dept].select(frame.columns).head(len(frame)).equals(frame), dept
    assert "status" not in without.feeds["education"].columns
    roll = set(reg.filter(pl.col("on_roll"))["household_number"])
    members = reg.select("household_number", "member_no", "birth_date")
    for kind in CHANGE_KINDS:
        planted = fs.planted.filter(pl.col("kind") == kind)
        assert len(planted) >= (1 if kind == "school_leaving" else 5), kind
        assert planted["household_number"].is_unique().all(), kind
        assert set(planted["household_number"]) <= roll, kind
        rows = fs.truth.filter(pl.col("planted") == kind).join(
            fs.feeds[planted["department"][0]], on="record_id"
        )
        if kind == "school_leaving":
            assert set(rows["status"]) <= {"graduated", "dropped_out"}
            assert (rows["left_on"] <= today.isoformat()).all()
            born = planted.join(members, on=["household_number", "member_no"])["birth_date"]
            assert born.is_between(datetime.date(2007, 11, 1), datetime.date(2010, 10, 31)).all()
        elif kind == "hukou_move_out":
            assert set(rows["event"]) == {"move_out"}
            assert not rows["area_code"].str.starts_with("321202").any()
        else:
            # twelve months each: benefit in the newest one or two, 社保缴费 before
            per = rows.sort("month").group_by("household_number", maintain_order=True).agg("kind")
            for kinds in per["kind"]:
                assert len(kinds) == 12
                first = kinds.to_list().index("unemployment")
                assert first >= 10 and set(kinds[:first]) == {"contribution"}, kinds
    edu = fs.feeds["education"]
    assert edu.columns[-2:] == ["status", "left_on"]
    assert set(edu["status"]) == {"enrolled", "graduated", "dropped_out"}


@pytest.mark.slow
@pytest.mark.django_db
def test_planted_registry_duplicates_are_found(taizhou, tmp_path):
    """The same person registered again without an ID number (a share with a homophone name, a
    share in another village): duplicates_detect finds them, precision and recall against the
    planted truth, and those paid twice by one programme are told apart."""
    call_command("synth", households=800, seed=31, out=tmp_path / "reg", area=HAILING)
    call_command("import", "registry", str(tmp_path / "reg"))
    call_command(
        "synth_feeds",
        registry=tmp_path / "reg",
        seed=31,
        out=tmp_path / "feeds",
        duplicate_share=0.01,
    )
    call_command("import", "registry", str(tmp_path / "feeds" / "registry_duplicates"))
    truth = pl.read_csv(tmp_path / "feeds" / synth_duplicates.TRUTH_FILE, infer_schema=False)
    assert len(truth) >= 15 and set(truth["kind"]) == {"two_rolls", "two_households"}

    duplicates_detect()
    # a member's number in the export is their place in the household (the import keeps order)
    key, seen = {}, {}
    for pk, number in Person.objects.order_by("id").values_list("pk", "household__number"):
        seen[number] = seen.get(number, 0) + 1
        key[pk] = f"{number}/{seen[number]}"
    pairs = DuplicatePair.objects.values_list("person_a_id", "person_b_id", "kind")
    found = pl.DataFrame([(key[a], key[b]) for a, b, _ in pairs], schema=["a", "b"], orient="row")
    score = synth_duplicates.score_pairs(found, truth)
    assert score["recall"] >= 0.95, score
    assert score["precision"] >= 0.95, score
    kinds = {tuple(sorted((key[a], key[b]))): kind for a, b, kind in pairs}
    for row in truth.iter_rows(named=True):
        pair = tuple(
            sorted(
                (
                    f"{row['household_number']}/{row['member_no']}",
                    f"{row['original_household_number']}/{row['original_member_no']}",
                )
            )
        )
        if pair in kinds:
            assert kinds[pair] == row["kind"], (pair, kinds[pair], row["kind"])
