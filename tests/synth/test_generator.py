"""The synthetic county: determinism, valid IDs, realistic distributions, a truthful ground truth.

Plain Polars tests (no database). The eligibility rule re-derived here is the one docs/synth.md
states; the ground-truth file must list exactly the households that break it."""

import datetime

import polars as pl
import pytest

from jiuzhu.core.idcard import validate_id_number
from jiuzhu.demo.synth.export import write_export
from jiuzhu.demo.synth.generator import DIBAO_STANDARD_FEN, SynthConfig, generate
from jiuzhu.policy.engine.features import obligor_facts

N = 20_000


@pytest.fixture(scope="module")
def county():
    return generate(SynthConfig(households=N, seed=11))


def _fen(col: str) -> pl.Expr:
    c = pl.col(col)
    return c.str.replace(r"\.", "").cast(pl.Int64)


def test_same_seed_gives_byte_identical_files(tmp_path):
    for fmt in ("csv", "parquet"):
        a = write_export(generate(SynthConfig(households=500, seed=5)), tmp_path / f"a{fmt}", fmt)
        b = write_export(generate(SynthConfig(households=500, seed=5)), tmp_path / f"b{fmt}", fmt)
        assert a == b
        for name in [t["file"] for t in a["tables"].values()] + [
            "ground_truth.csv",
            "manifest.json",
        ]:
            assert (tmp_path / f"a{fmt}" / name).read_bytes() == (
                tmp_path / f"b{fmt}" / name
            ).read_bytes()
    other = generate(SynthConfig(households=500, seed=6))
    same = generate(SynthConfig(households=500, seed=5))
    assert not other.tables["persons"]["id_number"].equals(same.tables["persons"]["id_number"])


def test_id_numbers_valid_unique_and_agree_with_person_and_county(county):
    p = county.tables["persons"].join(
        county.tables["households"].select(
            pl.col("number").alias("household_number"), "hukou_area"
        ),
        on="household_number",
    )
    assert p["id_number"].n_unique() == p.height
    assert (p["id_number"].str.slice(0, 6) == p["hukou_area"].str.slice(0, 6)).all()
    for number, birth, sex in p.head(3000).select("id_number", "birth_date", "sex").iter_rows():
        validate_id_number(number, birth_date=birth, sex=sex)  # raises if anything disagrees


def test_distributions_within_bands(county):
    h, p = county.tables["households"], county.tables["persons"]
    size = p.group_by("household_number").len()["len"]
    assert 2.3 <= size.mean() <= 3.2
    assert 0.15 <= (size == 1).mean() <= 0.35
    assert 0.35 <= (h["urban_rural"] == "urban").mean() <= 0.65
    separated = h.filter(pl.col("residence_area").is_not_null())
    assert 0.06 <= separated.height / h.height <= 0.10
    assert (separated["residence_area"] != separated["hukou_area"]).all()
    assert (
        separated["residence_area"].str.slice(0, 6) == separated["hukou_area"].str.slice(0, 6)
    ).all()
    disabled = p.filter(pl.col("disability_type").is_not_null() & (pl.col("disability_type") != ""))
    assert 0.015 <= disabled.height / p.height <= 0.06
    assert disabled["disability_grade"].is_between(1, 4).all()
    assert (disabled["disability_certificate"].str.slice(0, 18) == disabled["id_number"]).all()
    assert 0.005 <= p["major_illness"].mean() <= 0.04
    # Urban households are richer on average than rural ones.
    inc = county.tables["income_items"].filter(~pl.col("excluded")).with_columns(fen=_fen("amount"))
    per_hh = (
        inc.group_by("household_number")
        .agg(pl.col("fen").sum())
        .join(
            h.select(pl.col("number").alias("household_number"), "urban_rural"),
            on="household_number",
        )
    )
    means = dict(per_hh.group_by("urban_rural").agg(pl.col("fen").median()).iter_rows())
    assert means["urban"] > means["rural"]
    # Lone elderly exist and names look like names.
    alone = p.group_by("household_number").agg(n=pl.len(), born=pl.col("birth_date").first())
    lone_elderly = alone.filter(
        (pl.col("n") == 1) & (pl.col("born") <= datetime.date(1966, 10, 31))
    )
    assert lone_elderly.height > 0.05 * N
    assert p["name"].str.len_chars().is_between(2, 4).all()
    assert not p["name"].str.contains("测试").any()


def test_school_stage_and_employment_match_age(county):
    p = county.tables["persons"].with_columns(
        age=(datetime.date(2026, 10, 31) - pl.col("birth_date")).dt.total_days() / 365.25
    )
    primary = p.filter(pl.col("school_stage") == "primary")["age"]
    assert primary.min() >= 5.5 and primary.max() <= 13
    assert p.filter(pl.col("school_stage") == "college")["age"].min() >= 16.5
    assert p.filter(pl.col("age") < 16)["employment"].is_in(["student", "na"]).all()
    assert p.filter(pl.col("employment") == "retired")["age"].min() >= 59.9


def _household_facts(county):
    """Per household: counted size, 12-month counted income (fen), disqualifying assets, roll."""
    t = county.tables
    std = DIBAO_STANDARD_FEN
    size = t["persons"].group_by("household_number").agg(n=pl.len())
    inc = (
        t["income_items"]
        .filter(~pl.col("excluded"))
        .with_columns(fen=_fen("amount"))
        .group_by("household_number")
        .agg(income=pl.col("fen").sum())
    )
    a = t["assets"].with_columns(fen=_fen("value"))
    bad_asset = (
        a.filter(
            (pl.col("kind").is_in(["vehicle", "business"]) | (pl.col("kind") == "property"))
            & ~pl.col("exempt")
        )
        .group_by("household_number")
        .agg(bad=pl.len())
    )
    fin = (
        a.filter(pl.col("kind").is_in(["deposit", "security", "insurance"]))
        .group_by("household_number")
        .agg(fin=pl.col("fen").sum())
    )
    roll = t["roll_entries"].filter(pl.col("status") == "active")
    dibao = roll.filter(pl.col("programme") == "dibao").select(
        "household_number", roll_fen=_fen("monthly_amount")
    )
    tekun = roll.filter(pl.col("programme") == "tekun").select(
        "household_number", tekun=pl.lit(True)
    )
    df = (
        t["households"]
        .select(pl.col("number").alias("household_number"))
        .join(size, on="household_number", how="left")
        .join(inc, on="household_number", how="left")
        .join(bad_asset, on="household_number", how="left")
        .join(fin, on="household_number", how="left")
        .join(dibao, on="household_number", how="left")
        .join(tekun, on="household_number", how="left")
        .with_columns(pl.col("income", "bad", "fin").fill_null(0), pl.col("tekun").fill_null(False))
    )
    # Decision in integers: per-capita monthly income < standard ⇔ income < std × 12 × n.
    return df.with_columns(
        eligible=(pl.col("income") < std * 12 * pl.col("n"))
        & (pl.col("bad") == 0)
        & (pl.col("fin") <= 24 * std * pl.col("n")),
        amount=((std * 12 * pl.col("n") - pl.col("income") + 1199) // 1200) * 100,
    )


def test_dibao_poor_share_between_3_and_5_percent(county):
    f = _household_facts(county)
    poor = f.filter(pl.col("income") < DIBAO_STANDARD_FEN * 12 * pl.col("n"))
    assert 0.03 <= poor.height / f.height <= 0.05


def test_ground_truth_lists_exactly_the_planted_cases(county):
    f = _household_facts(county)
    truth = county.ground_truth
    kinds = dict(truth.group_by("kind").len().iter_rows())
    for kind in (
        "eligible_not_on_roll",
        "ineligible_income_rose",
        "ineligible_vehicle",
        "amount_mismatch",
        "deceased_member_on_roll",
        "boundary_at_standard",
        "boundary_below_standard",
    ):
        assert kinds.get(kind, 0) > 0, kind
    by = {k: set(truth.filter(pl.col("kind") == k)["household_number"]) for k in kinds}
    on_roll = pl.col("roll_fen").is_not_null()
    # 应保未保: eligible, neither on dibao nor tekun — exactly the planted ones.
    # (特困 households left off the 特困 roll are 应保未保 for 特困, not for 低保.)
    missing = f.filter(
        pl.col("eligible")
        & ~on_roll
        & ~pl.col("tekun")
        & ~pl.col("household_number").is_in(list(by["tekun_not_on_roll"]))
    )
    assert set(missing["household_number"]) == by["eligible_not_on_roll"]
    # 错保: on the dibao roll but not eligible — exactly income-rose + vehicle.
    wrong = f.filter(on_roll & ~pl.col("eligible"))
    assert set(wrong["household_number"]) == by["ineligible_income_rose"] | by["ineligible_vehicle"]
    # Amounts: every eligible dibao household is paid the gap rounded up to whole yuan, except the
    # planted mismatches (and the deceased-member ones, whose right amount needs the new size).
    paid = f.filter(on_roll & pl.col("eligible"))
    off = paid.filter(pl.col("roll_fen") != pl.col("amount"))
    assert set(off["household_number"]) == by["amount_mismatch"]
    expected = truth.filter(pl.col("kind") == "amount_mismatch").select(
        "household_number", exp=_fen("expected_monthly_amount")
    )
    assert (
        off.join(expected, on="household_number")
        .select(pl.col("exp") == pl.col("amount"))
        .to_series()
        .all()
    )
    # Boundaries: exactly the standard is not eligible; a fen below is, for 1 yuan.
    at = f.filter(pl.col("household_number").is_in(list(by["boundary_at_standard"])))
    assert (at["income"] == DIBAO_STANDARD_FEN * 12 * at["n"]).all() and not at["eligible"].any()
    below = f.filter(pl.col("household_number").is_in(list(by["boundary_below_standard"])))
    assert (below["income"] == (DIBAO_STANDARD_FEN - 1) * 12 * below["n"]).all()
    assert (below["roll_fen"] == 100).all()
    # Deceased: the named member has a death date and the household is still paid.
    dead = truth.filter(pl.col("kind") == "deceased_member_on_roll").join(
        county.tables["persons"], on=["household_number", "member_no"]
    )
    assert dead["death_date"].is_not_null().all()


def test_orphans_obligors_and_emergencies(county):
    p = county.tables["persons"]
    truth = county.ground_truth
    # Children in the orphan schemes are minors living with grandparents.
    kids = p.filter(pl.col("child_status") != "none")
    assert 0 < kids.height < 0.005 * p.height
    assert (kids["relation"] == "grandchild").all()
    assert (kids["birth_date"] > datetime.date(2008, 11, 1)).all()
    # Obligors were checked only for people who cannot work, in households where nobody can;
    # they are facts (特困办法 Art. 8): the engine finds the situation from them.
    checked = p.filter(pl.col("obligors_checked_on").is_not_null())
    assert checked.height > 0.01 * p.height
    ob = county.tables["obligors"]
    key = ["household_number", "member_no"]
    assert ob.join(checked, on=key, how="anti").height == 0  # no obligor of an unchecked person
    facts = ob.with_columns(
        pl.col("birth_date").cast(pl.Date),
        pl.col("disability_grade").cast(pl.Int64),
        income_year_fen=pl.col("income_year").str.replace(r"\.", "").cast(pl.Int64),
        age=pl.lit(None, dtype=pl.Int64),
    )
    judged = obligor_facts(facts, datetime.date(2026, 1, 1))
    # Every obligor either meets one of the five situations or, aged and known, is able.
    assert judged.filter(pl.col("obligor_undetermined")).height == 0
    tested = judged.filter(
        pl.col("obligor_reason").is_in(["elderly_low_income", "severe_disability"])
    )
    assert (tested["income_year_fen"] < 4_131_400).all()
    # 特困 on the roll: every member with obligors absent or unable, per-person entries.
    roll = county.tables["roll_entries"]
    tekun = roll.filter(pl.col("programme") == "tekun").join(p, on=key)
    assert tekun.height > 0
    assert tekun["obligors_checked_on"].is_not_null().all()
    able = judged.filter(pl.col("obligor_reason").is_null()).select(key)
    assert tekun.join(able, on=key, how="semi").height == 0
    # Self-care: an assessment (six items) for everyone not fully self-caring who was assessed.
    sc = county.tables["self_care_assessments"]
    assert sc.height > 0
    assert sc.join(p, on=key, how="anti").height == 0
    # Child allowances: one entry per child, 1,500 yuan; the planted ones are left off.
    allowances = roll.filter(
        pl.col("programme").is_in(["orphan_allowance", "unsupported_child_allowance"])
    )
    assert (allowances["monthly_amount"] == "1500.00").all()
    assert (
        allowances.height
        + sum(
            kids.filter(
                pl.col("household_number").is_in(
                    truth.filter(pl.col("kind") == k)["household_number"].implode()
                )
            ).height
            for k in ("orphan_not_on_roll", "unsupported_child_not_on_roll")
        )
        == kids.height
    )
    # Emergencies: recent ones (inside 3 months) are in the ground truth, older ones are not.
    ev = county.tables["emergency_events"]
    recent = ev.filter(pl.col("event_date") >= datetime.date(2026, 8, 1))
    assert 0 < recent.height < ev.height
    listed = set(truth.filter(pl.col("kind") == "emergency_recent")["household_number"])
    assert listed == set(recent["household_number"])
    # Nothing in the ground truth is an unexplained difference between the rule and the roll.
    assert "unplanned" not in set(truth["kind"])
    assert set(truth.filter(pl.col("expected_flag") != "")["programme"]) <= {
        "dibao",
        "tekun",
        "dibao_single",
        "phase_out",
        "disability_living_subsidy",
        "orphan_allowance",
        "unsupported_child_allowance",
    }


def test_tekun_people_on_the_roll_carry_a_support_mode(county):
    """Exactly the members with a 特困 roll entry have 集中/分散供养; 集中 names the township's
    敬老院; phones carry the day they were last confirmed, no phone no date."""
    p = county.tables["persons"]
    roll = county.tables["roll_entries"].filter(pl.col("programme") == "tekun")
    on_tekun = roll.select("household_number", pl.col("member_no").cast(pl.Int64)).unique()
    modes = p.filter(pl.col("support_mode") != "").select(
        "household_number", pl.col("member_no").cast(pl.Int64), "support_mode", "care_institution"
    )
    assert modes.height == on_tekun.height > 0
    assert modes.join(on_tekun, on=["household_number", "member_no"]).height == modes.height
    assert set(modes["support_mode"]) == {"centralized", "dispersed"}
    central = modes.filter(pl.col("support_mode") == "centralized")
    assert central["care_institution"].str.ends_with("敬老院").all()
    assert (modes.filter(pl.col("support_mode") == "dispersed")["care_institution"] == "").all()
    assert (p["phone"] != "").eq(p["phone_updated_on"].is_not_null()).all()
