"""The form's engine on tiny frames, every indicator against figures computed by hand."""

import datetime
from decimal import Decimal

import polars as pl
import pytest

from jiuzhu.stats import engine

M = datetime.date(2026, 3, 1)
VILLAGE_A = "321202001001"  # street 001
VILLAGE_B = "321202002001"  # street 002


def entries(rows):
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "programme": pl.Utf8,
            "amount_fen": pl.Int64,
            "start_month": pl.Date,
            "end_month": pl.Date,
        },
        orient="row",
    )


def d(y, m):
    return datetime.date(y, m, 1)


@pytest.fixture
def fixture_rows():
    # household 1: urban dibao, 3 members, on since 2025; household 2: rural dibao, 2 members,
    # new in March; household 3: urban dibao, 1 member, last paid February (exits in March);
    # household 4: rural tekun, 1 member; household 5: temporary aid granted in January and
    # March; household 6: an orphan (per-person entry) in street B.
    e = entries(
        [
            (1, 1, None, "dibao", 150000, d(2025, 5), None),
            (2, 2, None, "dibao", 90000, d(2026, 3), None),
            (3, 3, None, "dibao", 40000, d(2025, 1), d(2026, 2)),
            (4, 4, None, "tekun", 120000, d(2024, 1), None),
            (5, 5, None, "temporary_aid", 200000, d(2026, 1), d(2026, 1)),
            (6, 5, None, "temporary_aid", 100000, d(2026, 3), d(2026, 3)),
            (7, 6, 60, "orphan_allowance", 180000, d(2025, 1), None),
        ]
    )
    members = pl.DataFrame(
        {"household_id": [1, 2, 3, 4, 5, 6], "members": [3, 2, 1, 1, 4, 3]},
        schema={"household_id": pl.Int64, "members": pl.Int64},
    )
    places = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "area_code": [VILLAGE_A, VILLAGE_A, VILLAGE_A, VILLAGE_A, VILLAGE_A, VILLAGE_B],
            "urban_rural": ["urban", "rural", "urban", "rural", "urban", "urban"],
        }
    )
    ledger = pl.DataFrame(
        [
            # household 1 paid Jan–Mar 1500.00 each; household 3 Jan–Feb 400.00
            *[(1, "dibao", "321202000000", d(2026, k), 150000) for k in (1, 2, 3)],
            *[(3, "dibao", "321202000000", d(2026, k), 40000) for k in (1, 2)],
            (2, "dibao", "321202000000", d(2026, 3), 90000),
            *[(4, "tekun", "321202000000", d(2026, k), 120000) for k in (1, 2, 3)],
            (5, "temporary_aid", "321202000000", d(2026, 1), 200000),
            (5, "temporary_aid", "321202000000", d(2026, 3), 100000),
            *[(6, "orphan_allowance", "321202000000", d(2026, k), 180000) for k in (1, 2, 3)],
            # last year's December: not in 2026's cumulative figures
            (1, "dibao", "321202000000", d(2025, 12), 150000),
        ],
        schema={
            "household_id": pl.Int64,
            "programme": pl.Utf8,
            "area_code": pl.Utf8,
            "month": pl.Date,
            "fen": pl.Int64,
        },
        orient="row",
    )
    form = engine.load_form()
    rows, tiers = engine.build_snapshot(
        month=M,
        entries=e,
        members=members,
        places=places,
        ledger=ledger,
        standards={VILLAGE_A: 71000, VILLAGE_B: 80000},
        tiers=form.tiers,
    )
    return form, rows, tiers


def test_every_indicator_against_hand_computed_values(fixture_rows):
    form, rows, _tiers = fixture_rows
    v = engine.evaluate(form, engine.group(rows))
    # money, fen: urban dibao = 3 × 150000 + 2 × 40000; rural dibao = 90000
    assert v["spend_dibao_urban_benefit"] == 530000
    assert v["spend_dibao_urban_price"] == 0
    assert v["spend_dibao_rural"] == 90000
    assert v["spend_dibao"] == 620000
    assert v["spend_tekun_rural"] == 360000
    assert v["spend_tekun_urban"] == 0
    assert v["spend_temp"] == 300000
    assert v["spend_orphan"] == 540000
    assert v["spend_total"] == 620000 + 360000 + 300000 + 540000
    # caseload
    assert v["people_dibao_urban"] == 3  # household 3 left after February
    assert v["hh_dibao_urban"] == 1
    assert v["new_dibao_urban"] == 0
    assert v["exit_dibao_urban"] == 1
    assert v["people_dibao_rural"] == 2 and v["new_dibao_rural"] == 2 and v["hh_dibao_rural"] == 1
    assert v["exit_dibao_rural"] == 0
    assert v["people_tekun_rural"] == 1 and v["people_tekun"] == 1
    assert v["people_orphan"] == 1  # a per-person entry counts the person, not the household
    assert v["temp_events"] == 1 and v["temp_events_ytd"] == 2
    # levels: standards weighted by people; spending per person in the month
    assert v["std_dibao_urban"] == 71000  # fen
    assert v["level_dibao_urban"] == 50000  # 150000 fen ÷ 3 people
    assert v["level_dibao_rural"] == 45000
    shown = {i.id: engine.display(i.unit, v[i.id]) for i in form.shown()}
    assert shown["spend_total"] == Decimal("1.8")  # 18200.00 yuan = 1.82 万元 → 1.8
    assert shown["spend_dibao_urban"] == Decimal("0.5")  # 5300 yuan = 0.53 万元
    assert shown["level_dibao_urban"] == Decimal("500.00")
    assert shown["std_dibao_urban"] == Decimal("710.00")


def test_rounding_happens_only_at_the_end(fixture_rows):
    form, rows, _tiers = fixture_rows
    v = engine.evaluate(form, engine.group(rows))
    parts = ["spend_dibao", "spend_tekun", "spend_temp", "spend_orphan", "spend_unsupported"]
    # the total is the exact sum of the exact parts, then rounded once
    assert engine.display("万元", v["spend_total"]) == engine.display(
        "万元", sum(v[p] for p in parts)
    )


def test_a_county_equals_the_sum_of_its_streets(fixture_rows):
    form, rows, _tiers = fixture_rows
    county = engine.evaluate(
        form, engine.group(rows.filter(pl.col("area_code").str.starts_with("321202")))
    )
    a = engine.evaluate(
        form, engine.group(rows.filter(pl.col("area_code").str.starts_with("321202001")))
    )
    b = engine.evaluate(
        form, engine.group(rows.filter(pl.col("area_code").str.starts_with("321202002")))
    )
    for ind in form.indicators:
        if ind.measure:
            assert county[ind.id] == a[ind.id] + b[ind.id], ind.id
    assert b["spend_orphan"] == 540000 and a["spend_orphan"] == 0


def test_tiers_are_derived_per_household(fixture_rows):
    _form, _rows, tiers = fixture_rows
    got = dict(tiers.select("household_id", "tier").iter_rows())
    # household 3 left the roll; household 5's March grant (start = end = March) is 专项
    assert got == {1: "floor", 2: "floor", 4: "floor", 5: "special", 6: "floor"}


def test_the_watch_tier_comes_from_the_calculator(fixture_rows):
    form, _rows, _tiers = fixture_rows
    e = entries([(1, 1, None, "dibao", 1000, d(2025, 5), None)])
    places = pl.DataFrame(
        {"id": [1, 7], "area_code": [VILLAGE_A, VILLAGE_A], "urban_rural": ["urban", "rural"]}
    )
    empty_ledger = pl.DataFrame(
        schema={
            "household_id": pl.Int64,
            "programme": pl.Utf8,
            "area_code": pl.Utf8,
            "month": pl.Date,
            "fen": pl.Int64,
        }
    )
    members = pl.DataFrame(schema={"household_id": pl.Int64, "members": pl.Int64})
    watch = pl.DataFrame({"household_id": [1, 7]})
    _rows, tiers = engine.build_snapshot(
        month=M,
        entries=e,
        members=members,
        places=places,
        ledger=empty_ledger,
        standards={},
        tiers=form.tiers,
        watch=watch,
    )
    # on 低保 and on the watch list: 兜底 wins; only on the watch list: 监测
    assert dict(tiers.select("household_id", "tier").iter_rows()) == {1: "floor", 7: "watch"}


def test_change_and_display():
    assert engine.change_pct(Decimal(110), Decimal(100)) == Decimal("10.0")
    assert engine.change_pct(Decimal(1), Decimal(0)) is None
    assert engine.display("万元", Decimal(1_050_000)) == Decimal("1.1")  # half up at .05
    assert engine.display("人", Decimal(3)) == 3


def test_a_province_adds_a_row_as_data(tmp_path):
    src = (engine.FORM_DIR / "monthly.yaml").read_text(encoding="utf-8")
    src += "  - {id: hh_tekun, name: 特困户数, unit: 户, code: X1, measure: households, where: {programme: [tekun]}}\n"
    path = tmp_path / "form.yaml"
    path.write_text(src, encoding="utf-8")
    form = engine.load_form(path)
    assert form.by_id()["hh_tekun"].code == "X1"


@pytest.mark.parametrize(
    "row, message",
    [
        ("{id: x, name: X, unit: 人, formula: 'nope + 1'}", "未定义的指标"),
        ("{id: x, name: X, unit: 人, measure: bogus}", "未知的统计量"),
        ("{id: x, name: X, unit: 人, formula: '__import__(1)'}", "只能使用"),
        ("{id: x, name: X, unit: 人, formula: 'x + 1'}", "循环引用"),
    ],
)
def test_a_bad_form_is_refused_naming_the_row(tmp_path, row, message):
    src = (engine.FORM_DIR / "monthly.yaml").read_text(encoding="utf-8") + f"  - {row}\n"
    path = tmp_path / "form.yaml"
    path.write_text(src, encoding="utf-8")
    with pytest.raises(engine.FormError, match=message):
        engine.load_form(path)


def test_tekun_centralized_and_dispersed_against_hand_computed_values():
    """特困 城市/农村 × 集中/分散: household 11 (urban, a household entry, 2 members, one of them in
    the 敬老院); household 12 (rural, per-person entries for persons 70 in care and 71 at home,
    3 members); household 13 (rural, 1 member at home); household 14 (rural, in care, left the
    roll in February: not counted in March)."""
    e = entries(
        [
            (1, 11, None, "tekun", 120000, d(2025, 1), None),
            (2, 12, 70, "tekun", 120000, d(2025, 1), None),
            (3, 12, 71, "tekun", 120000, d(2026, 3), None),
            (4, 13, None, "tekun", 120000, d(2025, 1), None),
            (5, 14, None, "tekun", 120000, d(2025, 1), d(2026, 2)),
        ]
    )
    members = pl.DataFrame(
        {"household_id": [11, 12, 13, 14], "members": [2, 3, 1, 1]},
        schema={"household_id": pl.Int64, "members": pl.Int64},
    )
    places = pl.DataFrame(
        {
            "id": [11, 12, 13, 14],
            "area_code": [VILLAGE_A, VILLAGE_A, VILLAGE_B, VILLAGE_B],
            "urban_rural": ["urban", "rural", "rural", "rural"],
        }
    )
    centralized = pl.DataFrame(
        {"person_id": [110, 70, 140], "household_id": [11, 12, 14]},
        schema={"person_id": pl.Int64, "household_id": pl.Int64},
    )
    ledger = pl.DataFrame(
        schema={
            "household_id": pl.Int64,
            "programme": pl.Utf8,
            "area_code": pl.Utf8,
            "month": pl.Date,
            "fen": pl.Int64,
        }
    )
    form = engine.load_form()
    rows, _tiers = engine.build_snapshot(
        month=M,
        entries=e,
        members=members,
        places=places,
        ledger=ledger,
        standards={},
        tiers=form.tiers,
        centralized=centralized,
    )
    v = engine.evaluate(form, engine.group(rows))
    assert v["people_tekun_urban"] == 2
    assert v["people_tekun_urban_central"] == 1
    assert v["people_tekun_urban_dispersed"] == 1
    assert v["people_tekun_rural"] == 3  # persons 70 and 71, household 13
    assert v["people_tekun_rural_central"] == 1  # person 70 (person 71 is not in care)
    assert v["people_tekun_rural_dispersed"] == 2
    assert v["people_tekun"] == 5
    shown = [i.id for i in form.shown()]
    assert shown.index("people_tekun_urban_central") == shown.index("people_tekun_urban") + 1
    # the drill-down of 分散供养 lists the rows with someone at home, not the ones all in care
    dispersed = rows.filter(engine.drill_expr(form, "people_tekun_rural_dispersed"))
    assert sorted(dispersed.get_column("household_id").to_list()) == [12, 13]
    central = rows.filter(engine.drill_expr(form, "people_tekun_rural_central"))
    assert central.get_column("household_id").to_list() == [12]
    # a county equals the sum of its streets for the new rows too
    by_street = engine.group(
        rows.with_columns(pl.col("area_code").str.slice(0, 9).alias("street")),
        ("street", *engine.DIMENSIONS),
    )
    parts = [
        engine.evaluate(form, by_street.filter(pl.col("street") == s))
        for s in ("321202001", "321202002")
    ]
    for rid in ("people_tekun_rural_central", "people_tekun_rural_dispersed"):
        assert sum(p[rid] for p in parts) == v[rid]


def test_drilldown_of_the_average_standard_reads_the_weighted_rows(fixture_rows):
    form, rows, _tiers = fixture_rows
    found = rows.filter(engine.drill_expr(form, "std_dibao_urban"))
    assert found.get_column("household_id").to_list() == [1]


def test_the_remaining_rows_against_hand_computed_values(fixture_rows):
    """The helper rows and the rows the main fixture leaves at zero: the weighted standards
    (household 1: 3 people × 710.00 urban; household 2: 2 × 710.00 rural), the month's 低保金
    (1500.00 urban, 900.00 rural); then a rural 价格临时补贴 of 50.00 in January and March and an
    事实无人抚养儿童 paid 1200.00 a month since February."""
    form, rows, _tiers = fixture_rows
    v = engine.evaluate(form, engine.group(rows))
    assert v["std_people_dibao_urban"] == 3 * 71000
    assert v["std_people_dibao_rural"] == 2 * 71000
    assert v["std_dibao_rural"] == 71000
    assert v["paid_dibao_urban"] == 150000 and v["paid_dibao_rural"] == 90000
    assert v["spend_dibao_rural_price"] == 0 and v["people_unsupported"] == 0
    e = entries(
        [
            (1, 2, None, "price_subsidy", 5000, d(2026, 1), d(2026, 1)),
            (2, 2, None, "price_subsidy", 5000, d(2026, 3), d(2026, 3)),
            (3, 7, 70, "unsupported_child_allowance", 120000, d(2026, 2), None),
        ]
    )
    ledger = pl.DataFrame(
        [
            (2, "price_subsidy", "321202000000", d(2026, 1), 5000),
            (2, "price_subsidy", "321202000000", d(2026, 3), 5000),
            (7, "unsupported_child_allowance", "321202000000", d(2026, 2), 120000),
            (7, "unsupported_child_allowance", "321202000000", d(2026, 3), 120000),
        ],
        schema={
            "household_id": pl.Int64,
            "programme": pl.Utf8,
            "area_code": pl.Utf8,
            "month": pl.Date,
            "fen": pl.Int64,
        },
        orient="row",
    )
    more, _ = engine.build_snapshot(
        month=M,
        entries=e,
        members=pl.DataFrame(
            {"household_id": [2, 7], "members": [2, 3]},
            schema={"household_id": pl.Int64, "members": pl.Int64},
        ),
        places=pl.DataFrame(
            {"id": [2, 7], "area_code": [VILLAGE_A, VILLAGE_B], "urban_rural": ["rural", "urban"]}
        ),
        ledger=ledger,
        standards={},
        tiers=form.tiers,
    )
    w = engine.evaluate(form, engine.group(more))
    assert w["spend_dibao_rural_price"] == 10000
    assert w["spend_dibao_rural"] == 10000  # no 低保金 in this frame
    assert w["spend_unsupported"] == 240000
    assert w["people_unsupported"] == 1  # a per-person entry: the child, not the household
    assert w["spend_total"] == 10000 + 240000
