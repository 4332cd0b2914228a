"""Payroll generation, set-based: the roll of an area and month → payroll lines with their checks.

``load_inputs`` reads everything the payroll depends on with a handful of queries (roll entries
of the area, payroll history, cut-overs, accounts, deaths, holds, death findings, other rolls of
the same households, decisions, duplicate pairs); ``compute_lines`` is a pure function of those
frames (Polars, integer fen) that returns one row per line with its months, amount, account and
flags. Nothing here loops over entries with queries; the per-entry ORM baseline in
``bench/bench_payroll.py`` does, for comparison.

Rules (docs/funds.md explains them with examples):

* An entry is due for month M when ``start_month <= M`` and (``end_month`` is null or ≥ the first
  unpaid month). Months already covered by a line of a submitted payroll are not paid again; the
  first unpaid month is the month after the latest covered month (payroll history), never before
  the entry's start and — for entries loaded from a previous system (source ≠ ``case``) — never
  at or before the area's cut-over month. A line covers first-unpaid..min(M, end_month): back pay
  included, stops honoured.
* Held (never sent to the bank until released): a dead payee (``death_date``, an open death
  finding of 核对, or an open ``PaymentHold``), a suspended roll entry, two rolls that exclude each
  other (``policy.engine.exclusions``), the same person twice, no payment account.
* Flagged but payable: a bank account shared by unrelated households, an amount different from
  the latest decision for the entry (an application's or a change's amount, a 渐退 step's amount,
  or nothing after a change/stop/渐退 ended the entry — ``_decisions``), a member other than the
  payee reported dead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import polars as pl
from django.db.models import Q
from django.utils.translation import gettext_noop

from jiuzhu.accounts.scoping import prefix_end
from jiuzhu.cases import frames as cases_frames
from jiuzhu.core.frames import date_sql, read_frame
from jiuzhu.core.money import fen_to_text
from jiuzhu.policy.engine.exclusions import EXCLUSIONS
from jiuzhu.registry import frames as registry_frames

# The programmes each payroll pays: 分类施保 (a separate roll entry) goes out with the 低保 payroll.
PAYROLL_PROGRAMMES = {"dibao": ["dibao", "category_supplement"]}


def programmes_paid(programme: str) -> list[str]:
    return PAYROLL_PROGRAMMES.get(programme, [programme])


def month_index(d: datetime.date) -> int:
    return d.year * 12 + d.month - 1


def month_from_index(i: int) -> datetime.date:
    return datetime.date(i // 12, i % 12 + 1, 1)


def _mi(col: str) -> pl.Expr:
    return pl.col(col).dt.year().cast(pl.Int64) * 12 + pl.col(col).dt.month().cast(pl.Int64) - 1


def _mi_to_date(expr: pl.Expr) -> pl.Expr:
    return pl.date(expr // 12, expr % 12 + 1, 1)


@dataclass
class Inputs:
    programme: str
    month: datetime.date
    area_code: str
    entries: pl.DataFrame
    history: pl.DataFrame
    cutovers: list[tuple[str, datetime.date]]
    accounts: pl.DataFrame
    shared_numbers: pl.DataFrame
    dead: pl.DataFrame
    # Accounts registered or changed in the application that no earlier payroll paid into.
    new_accounts: pl.DataFrame
    holds: pl.DataFrame
    death_findings: pl.DataFrame
    others: pl.DataFrame
    decisions: pl.DataFrame
    duplicate_pairs: pl.DataFrame
    notes: dict = field(default_factory=dict)


def area_prefix(area_code: str) -> str:
    from jiuzhu.areas.models import PREFIX_LENGTH, level_for_code

    return area_code[: PREFIX_LENGTH[level_for_code(area_code)]]


def _range(prefix: str) -> list[str]:
    return [prefix, prefix_end(prefix)]


def load_inputs(
    *, programme: str, area_code: str, month: datetime.date, exclude_payroll_id: int | None
) -> Inputs:
    from jiuzhu.funds.models import FundsCutover
    from jiuzhu.verify.frames import open_duplicate_pairs

    prefix = area_prefix(area_code)
    rng = _range(prefix)
    progs = programmes_paid(programme)
    cutovers = [
        (area_prefix(c.area_id), c.paid_through)
        for c in FundsCutover.objects.filter(Q(programme="") | Q(programme=programme))
        if c.area_id.startswith(prefix) or prefix.startswith(area_prefix(c.area_id))
    ]
    accounts, shared, new_accounts = _account_frames(rng, exclude_payroll_id)
    holds, findings = _hold_frames(rng)
    partners = sorted(
        {e.second for e in EXCLUSIONS if e.first in progs}
        | {e.first for e in EXCLUSIONS if e.second in progs}
    )
    return Inputs(
        programme=programme,
        month=month,
        area_code=area_code,
        entries=registry_frames.roll_entries_in_area(rng, progs, month),
        history=_history(rng, progs, exclude_payroll_id),
        cutovers=cutovers,
        accounts=accounts,
        shared_numbers=shared,
        dead=registry_frames.dead_persons_in_area(rng),
        new_accounts=new_accounts,
        holds=holds,
        death_findings=findings,
        others=registry_frames.current_entries_in_area(rng, partners, month),
        decisions=_decisions(rng, with_steps="phase_out" in progs),
        duplicate_pairs=open_duplicate_pairs(rng).select(
            "pair_id", household_a=pl.col("household_id"), household_b=pl.col("other_household")
        ),
    )


_HH_IN_AREA = registry_frames.in_area("h")


def _history(rng: list[str], progs: list[str], exclude_payroll_id: int | None) -> pl.DataFrame:
    """``entry_id, covered_to``: the last month each roll entry of ``progs`` in the area was
    paid through by a payroll past draft (but ``exclude_payroll_id``)."""
    pmarks = ", ".join(["%s"] * len(progs))
    hh_in_area = _HH_IN_AREA
    return read_frame(
        f"SELECT l.roll_entry_id, MAX({date_sql('l.months_to')}) "
        "FROM funds_payrollline l JOIN funds_payroll p ON p.id = l.payroll_id "
        f"{registry_frames.join_roll_entry('r', 'l.roll_entry_id')} "
        f"{registry_frames.join_household('h', 'r.household_id')} "
        f"WHERE {hh_in_area} AND r.programme IN ({pmarks}) AND p.status <> 'draft' "
        "AND p.id <> %s GROUP BY l.roll_entry_id",
        [*rng, *progs, exclude_payroll_id or 0],
        {"entry_id": pl.Int64, "covered_to": pl.Date},
    )


def _account_frames(rng: list[str], exclude_payroll_id: int | None):
    """The area's active accounts, the account numbers shared by several households, and the
    accounts to review before their first payment."""
    hh_in_area = _HH_IN_AREA
    accounts = read_frame(
        "SELECT a.id, a.household_id, a.person_id, a.bank_name, a.account_number, a.holder_name "
        f"FROM funds_paymentaccount a {registry_frames.join_household('h', 'a.household_id')} "
        f"WHERE {hh_in_area} AND a.active = %s",
        [*rng, True],
        {
            "account_id": pl.Int64,
            "household_id": pl.Int64,
            "acct_person_id": pl.Int64,
            "bank_name": pl.Utf8,
            "account_number": pl.Utf8,
            "holder_name": pl.Utf8,
        },
    )
    shared = read_frame(
        "SELECT a.account_number, a.household_id FROM funds_paymentaccount a "
        "WHERE a.active = %s AND a.account_number IN (SELECT b.account_number "
        "FROM funds_paymentaccount b WHERE b.active = %s GROUP BY b.account_number "
        "HAVING COUNT(DISTINCT b.household_id) > 1)",
        [True, True],
        {"account_number": pl.Utf8, "household_id": pl.Int64},
    )
    new_accounts = read_frame(
        "SELECT a.id FROM funds_paymentaccount a "
        f"{registry_frames.join_household('h', 'a.household_id')} "
        f"WHERE {hh_in_area} AND a.active = %s AND a.review_first_payment = %s "
        "AND NOT EXISTS (SELECT 1 FROM funds_payrollline l JOIN funds_payroll p "
        "ON p.id = l.payroll_id WHERE l.account_id = a.id AND p.status <> 'draft' "
        "AND p.id <> %s)",
        [*rng, True, True, exclude_payroll_id or 0],
        {"account_id": pl.Int64},
    )
    return accounts, shared, new_accounts


def _hold_frames(rng: list[str]):
    """The area's open payment holds and 核对 death findings."""
    from jiuzhu.funds.models import PaymentHold
    from jiuzhu.verify.selectors import findings_for

    holds = pl.DataFrame(
        list(
            PaymentHold.objects.filter(
                released_at__isnull=True,
                household__hukou_area__gte=rng[0],
                household__hukou_area__lt=rng[1],
            ).values_list("id", "person_id", "household_id", "programme", "reason")
        ),
        schema={
            "hold_id": pl.Int64,
            "person_id": pl.Int64,
            "household_id": pl.Int64,
            "programme": pl.Utf8,
            "reason": pl.Utf8,
        },
        orient="row",
    )
    findings = pl.DataFrame(
        list(
            findings_for(kinds=["death"])
            .filter(household__hukou_area__gte=rng[0], household__hukou_area__lt=rng[1])
            .values_list("id", "household_id", "person_id", "summary", "person__relation")
        ),
        schema={
            "finding_id": pl.Int64,
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "summary": pl.Utf8,
            "relation": pl.Utf8,
        },
        orient="row",
    )
    return holds, findings


DECISION_SCHEMA = {**cases_frames.AMOUNT_SCHEMA, "role": pl.Utf8}
PURPOSE_LABELS = {"apply": "批准", "change": "变更", "stop": "停发", "phase_out": "渐退"}


def _decisions(rng: list[str], *, with_steps: bool) -> pl.DataFrame:
    """Every decided case that says what a roll entry pays, one row per (entry, case, role):

    * ``amount``: a case that put the entry on the roll with its amount — an application
      (``apply``) or a change (``change``; its new entry) — ``Application.roll_entry``;
    * ``step``: a 渐退 case's falling monthly rows (entries of programme ``phase_out`` whose
      ``decision_ref`` is the case); the step's amount is ``cases.services.phase_out_amounts``
      of the case's amount, in fen, for the step's month (0 outside the 渐退 months);
    * ``end``: a change, stop or 渐退 case approved for the entry
      (``Application.target_roll_entry``): the entry pays nothing after the decision's month.

    Only decided cases count (``roll_entry`` is set at approval). Steps are read only for a
    payroll that pays ``phase_out`` entries."""
    amounts = cases_frames.decided_amounts(rng).with_columns(pl.lit("amount").alias("role"))
    ends = cases_frames.decided_ends(rng).with_columns(
        pl.lit(None, dtype=pl.Int64).alias("decided_fen"), pl.lit("end").alias("role")
    )
    steps = (
        cases_frames.phase_out_steps(rng)
        if with_steps
        else pl.DataFrame(schema=cases_frames.STEP_SCHEMA)
    )
    # Step i (1-based; the month after the decision is step 1) of n pays base × (n+1−i)/(n+1),
    # rounded half up to the fen — cases.services.phase_out_amounts in integer arithmetic.
    n = pl.col("months").fill_null(1)
    i = _mi("start_month") - _mi("decided_on")
    steps = steps.select(
        "entry_id",
        pl.when((i >= 1) & (i <= n))
        .then((2 * pl.col("base_fen") * (n + 1 - i) + (n + 1)) // (2 * (n + 1)))
        .otherwise(pl.lit(0))
        .cast(pl.Int64)
        .alias("decided_fen"),
        "application_id",
        "application_number",
        pl.lit("phase_out").alias("purpose"),
        "decided_on",
        pl.lit("step").alias("role"),
    )
    cols = list(DECISION_SCHEMA)
    return pl.concat(
        [amounts.select(cols), ends.select(cols), steps.select(cols)], how="vertical_relaxed"
    )


# Stored in PayrollLine.flags in Chinese; shown translated (funds.selectors.lines_for_display).
FLAG_LABELS = {
    "dead": gettext_noop("收款人已死亡"),
    "death_report": gettext_noop("核对发现死亡"),
    "hold": gettext_noop("暂停发放"),
    "suspended": gettext_noop("名册暂停"),
    "excluded": gettext_noop("互斥救助"),
    "duplicate": gettext_noop("重复发放"),
    "no_account": gettext_noop("无发放账户"),
    "shared_account": gettext_noop("账户多户共用"),
    "new_account": gettext_noop("新设或变更账户"),
    "amount_mismatch": gettext_noop("金额与决定不符"),
    "member_dead": gettext_noop("家庭成员死亡"),
}
HOLDING = {"dead", "death_report", "hold", "suspended", "excluded", "duplicate", "no_account"}


def _flags_frame(rows: pl.DataFrame, code: str, reason: pl.Expr, ev_type: str, ev_id: pl.Expr):
    return rows.select(
        "line_idx",
        pl.lit(code).alias("code"),
        reason.cast(pl.Utf8).alias("reason"),
        pl.lit(ev_type).alias("ev_type"),
        ev_id.cast(pl.Int64).alias("ev_id"),
        pl.col("household_id").alias("ev_household"),
    )


def _due_lines(inp: Inputs) -> pl.DataFrame:
    """One row per roll entry with something due this payroll: the months from the first unpaid
    (after the cut-over and the lines already paid) to this month or the entry's end."""
    m = month_index(inp.month)
    e = inp.entries.with_columns(
        _mi("start_month").alias("start_i"),
        _mi("end_month").alias("end_i"),
    )
    # Cut-over: the most specific cut-over covering the household's area (imported entries only).
    cut = pl.lit(None, dtype=pl.Int64)
    for prefix, paid_through in sorted(inp.cutovers, key=lambda c: len(c[0])):
        cut = (
            pl.when(pl.col("hukou_area_id").str.starts_with(prefix))
            .then(pl.lit(month_index(paid_through)))
            .otherwise(cut)
        )
    e = e.with_columns(cut.alias("cut_i"))
    e = e.join(
        inp.history.with_columns(_mi("covered_to").alias("covered_i")).select(
            "entry_id", "covered_i"
        ),
        on="entry_id",
        how="left",
    )
    first = pl.max_horizontal(
        pl.col("start_i"),
        pl.col("covered_i") + 1,
        pl.when(pl.col("source") != "case").then(pl.col("cut_i") + 1),
    )
    last = pl.min_horizontal(pl.lit(m), pl.col("end_i"))
    e = e.with_columns(first.alias("from_i"), last.alias("to_i"))
    e = e.filter(pl.col("from_i") <= pl.col("to_i"))
    e = e.sort(
        "hukou_area_id",
        "household_id",
        "programme",
        "person_id",
        "start_month",
        "entry_id",
        nulls_last=False,
    )
    e = e.with_row_index("line_idx").with_columns(
        (pl.col("line_idx") + 1).cast(pl.Int64).alias("seq"),
        (pl.col("to_i") - pl.col("from_i") + 1).alias("months"),
    )
    e = e.with_columns((pl.col("monthly_fen") * pl.col("months")).alias("amount_fen"))

    return e


def _with_accounts(e: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """The account each line pays into and the payee."""
    # Account: the member's own for per-person lines, else the household account.
    acc = accounts.sort("account_id")
    own = acc.filter(pl.col("acct_person_id").is_not_null()).unique(
        ["household_id", "acct_person_id"], keep="first"
    )
    hh_acc = acc.filter(pl.col("acct_person_id").is_null()).unique("household_id", keep="first")
    any_acc = acc.unique("household_id", keep="first")
    cols = ["account_id", "acct_person_id", "bank_name", "account_number", "holder_name"]
    e = e.join(
        own.select(
            "household_id",
            pl.col("acct_person_id").alias("person_id"),
            *[pl.col(c).alias(c + "_own") for c in cols],
        ),
        on=["household_id", "person_id"],
        how="left",
    )
    e = e.join(
        hh_acc.select("household_id", *[pl.col(c).alias(c + "_hh") for c in cols]),
        on="household_id",
        how="left",
    )
    e = e.join(
        any_acc.select("household_id", *[pl.col(c).alias(c + "_any") for c in cols]),
        on="household_id",
        how="left",
    )
    pick_own = pl.col("account_id_own").is_not_null()
    pick_hh = pl.col("account_id_hh").is_not_null()
    e = e.with_columns(
        [
            pl.when(pick_own)
            .then(pl.col(c + "_own"))
            .when(pick_hh)
            .then(pl.col(c + "_hh"))
            .otherwise(pl.col(c + "_any"))
            .alias(c)
            for c in cols
        ]
    ).drop([c + s for c in cols for s in ("_own", "_hh", "_any")])
    # The payee: the line's person, else the account's person, else the head (found via deaths).
    e = e.with_columns(pl.coalesce("person_id", "acct_person_id").alias("payee_id"))

    return e


def _flags_dead(e: pl.DataFrame, base: pl.DataFrame, inp: Inputs) -> list[pl.DataFrame]:
    """Dead payees (registered deaths) and, for household lines, dead members."""
    flags: list[pl.DataFrame] = []
    # Dead payee (death_date in the registry).
    dead = inp.dead
    d_person = base.filter(pl.col("payee_id").is_not_null()).join(
        dead.select(pl.col("person_id").alias("payee_id"), "death_date", "name"), on="payee_id"
    )
    d_head = base.filter(pl.col("payee_id").is_null()).join(
        dead.filter(pl.col("relation") == "head").select(
            "household_id", pl.col("person_id").alias("dead_id"), "death_date", "name"
        ),
        on="household_id",
    )
    for rows, idcol in ((d_person, "payee_id"), (d_head, "dead_id")):
        flags.append(
            _flags_frame(
                rows,
                "dead",
                pl.format(
                    "{}于{}死亡（户籍登记），死亡后不得发放",
                    pl.col("name"),
                    pl.col("death_date").dt.strftime("%Y-%m-%d"),
                ),
                "person",
                pl.col(idcol),
            )
        )
    # Other members dead (household lines): payable, but the amount needs a review.
    dead_payee_ids = pl.concat(
        [
            d_person.select(pl.col("payee_id").alias("pid")),
            d_head.select(pl.col("dead_id").alias("pid")),
        ]
    )
    member = (
        base.filter(pl.col("person_id").is_null())
        .join(
            dead.select("household_id", pl.col("person_id").alias("dead_id"), "death_date", "name"),
            on="household_id",
        )
        .filter(~pl.col("dead_id").is_in(dead_payee_ids["pid"].implode()))
        .filter(pl.col("payee_id").is_null() | (pl.col("dead_id") != pl.col("payee_id")))
    )
    flags.append(
        _flags_frame(
            member,
            "member_dead",
            pl.format(
                "家庭成员{}于{}死亡，请复核家庭人数与救助金额",
                pl.col("name"),
                pl.col("death_date").dt.strftime("%Y-%m-%d"),
            ),
            "person",
            pl.col("dead_id"),
        )
    )
    return flags


def _flags_holds(e: pl.DataFrame, base: pl.DataFrame, inp: Inputs) -> list[pl.DataFrame]:
    """Open payment holds on the person's own lines and the household's lines."""
    flags: list[pl.DataFrame] = []
    # Open holds: the person's own lines and the household's lines (of the programme if set).
    holds = inp.holds
    h_person = base.filter(pl.col("person_id").is_not_null()).join(
        holds.select("person_id", "hold_id", pl.col("programme").alias("hold_prog"), "reason"),
        on="person_id",
    )
    h_hh = base.filter(pl.col("person_id").is_null()).join(
        holds.select("household_id", "hold_id", pl.col("programme").alias("hold_prog"), "reason"),
        on="household_id",
    )
    for rows in (h_person, h_hh):
        rows = rows.filter(
            (pl.col("hold_prog") == "") | (pl.col("hold_prog") == pl.col("programme"))
        )
        flags.append(
            _flags_frame(
                rows,
                "hold",
                pl.format("已暂停发放：{}", pl.col("reason")),
                "hold",
                pl.col("hold_id"),
            )
        )
    return flags


def _flags_findings(e: pl.DataFrame, base: pl.DataFrame, inp: Inputs) -> list[pl.DataFrame]:
    """Open death findings of 核对 (the latest check of the household)."""
    dead = inp.dead
    flags: list[pl.DataFrame] = []
    # Open death findings of 核对 (the latest check of the household).
    fd = inp.death_findings.filter(pl.col("person_id").is_not_null())
    f_payee = base.filter(pl.col("payee_id").is_not_null()).join(
        fd.select(pl.col("person_id").alias("payee_id"), "finding_id", "summary"), on="payee_id"
    )
    flags.append(
        _flags_frame(
            f_payee,
            "death_report",
            pl.format("核对发现：{}", pl.col("summary")),
            "finding",
            pl.col("finding_id"),
        )
    )
    # A household line without a payee is paid to the head: the head's finding holds it, as a
    # registered death of the head does; another member's finding is for review.
    f_hh = (
        base.filter(pl.col("payee_id").is_null())
        .join(
            fd.select("household_id", "person_id", "finding_id", "summary", "relation").rename(
                {"person_id": "fp"}
            ),
            on="household_id",
        )
        .join(dead.select(pl.col("person_id").alias("fp")), on="fp", how="anti")
    )
    flags.append(
        _flags_frame(
            f_hh.filter(pl.col("relation") == "head"),
            "death_report",
            pl.format("核对发现：{}", pl.col("summary")),
            "finding",
            pl.col("finding_id"),
        )
    )
    flags.append(
        _flags_frame(
            f_hh.filter(pl.col("relation").fill_null("") != "head"),
            "member_dead",
            pl.format("核对发现家庭成员：{}", pl.col("summary")),
            "finding",
            pl.col("finding_id"),
        )
    )
    return flags


def _flags_roll(e: pl.DataFrame, base: pl.DataFrame, inp: Inputs) -> list[pl.DataFrame]:
    """Suspended roll entries and the same person paid twice."""
    flags: list[pl.DataFrame] = []
    # Suspended roll entries.
    susp = e.filter(pl.col("status") == "suspended")
    flags.append(
        _flags_frame(
            susp,
            "suspended",
            pl.lit("名册记录已暂停，暂停期间不发放"),
            "roll_entry",
            pl.col("entry_id"),
        )
    )
    # The same person twice: two entries for one household/person in one programme paying the
    # same month (a change's old entry paid to this month and its new entry from next month in
    # one payroll are not duplicates). The later line is held, naming the first one it overlaps.
    keyed = e.select(
        "line_idx",
        "entry_id",
        "household_id",
        "programme",
        pl.col("person_id").fill_null(-1).alias("pkey"),
        "from_i",
        "to_i",
    ).filter(pl.len().over(["programme", "household_id", "pkey"]) > 1)
    dup = (
        keyed.join(keyed, on=["programme", "household_id", "pkey"], suffix="_o")
        .filter(
            (pl.col("line_idx_o") < pl.col("line_idx"))
            & (pl.col("from_i_o") <= pl.col("to_i"))
            & (pl.col("from_i") <= pl.col("to_i_o"))
        )
        .sort("line_idx", "line_idx_o")
        .unique("line_idx", keep="first", maintain_order=True)
        .rename({"entry_id_o": "first_entry"})
    )
    flags.append(
        _flags_frame(
            dup,
            "duplicate",
            pl.format("重复发放：同一对象在名册中另有记录 #{}", pl.col("first_entry")),
            "roll_entry",
            pl.col("first_entry"),
        )
    )
    # …or one person registered in two households (an open duplicate pair of 核对), both paid.
    if inp.duplicate_pairs.height:
        flags.append(_flags_pair_paid_twice(e, inp.duplicate_pairs))
    return flags


def _flags_pair_paid_twice(e: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Both households of an open duplicate pair paid by the programme: the line of the later
    household (the higher id) is flagged."""
    paid_hh = e.group_by("household_id", "programme").agg(pl.col("line_idx").min())
    both = pairs.join(
        paid_hh.rename({"household_id": "household_a", "line_idx": "idx_a"}), on="household_a"
    ).join(
        paid_hh.rename({"household_id": "household_b", "line_idx": "idx_b"}),
        on=["household_b", "programme"],
    )
    second = both.select(
        pl.when(pl.col("household_a") > pl.col("household_b"))
        .then("idx_a")
        .otherwise("idx_b")
        .alias("line_idx"),
        pl.when(pl.col("household_a") > pl.col("household_b"))
        .then("household_a")
        .otherwise("household_b")
        .alias("household_id"),
        pl.when(pl.col("household_a") > pl.col("household_b"))
        .then("household_b")
        .otherwise("household_a")
        .alias("other_hh"),
        "pair_id",
    ).unique(["line_idx", "pair_id"])
    return _flags_frame(
        second,
        "duplicate",
        pl.format("重复发放：疑似同一人在另一户（家庭 #{}）也领取", pl.col("other_hh")),
        "duplicate",
        pl.col("pair_id"),
    )


def _flags_exclusions(e: pl.DataFrame, base: pl.DataFrame, inp: Inputs) -> list[pl.DataFrame]:
    """Two rolls that exclude each other."""
    flags: list[pl.DataFrame] = []
    # Two rolls that exclude each other (policy.engine.exclusions).
    rules = pl.DataFrame(
        [(x.first, x.second, x.unit, x.rule) for x in EXCLUSIONS]
        + [(x.second, x.first, x.unit, x.rule) for x in EXCLUSIONS],
        schema={"programme": pl.Utf8, "other_programme": pl.Utf8, "unit": pl.Utf8, "rule": pl.Utf8},
        orient="row",
    )
    exc = (
        base.join(inp.others, on="household_id")
        .join(rules, on=["programme", "other_programme"])
        .filter(
            (pl.col("unit") == "household")
            | pl.col("person_id").is_null()
            | pl.col("other_person_id").is_null()
            | (pl.col("person_id") == pl.col("other_person_id"))
        )
        .unique(["line_idx", "other_entry_id"])
    )
    flags.append(
        _flags_frame(
            exc,
            "excluded",
            pl.format(
                "互斥：同时在{}名册（#{}）。{}",
                pl.col("other_programme"),
                pl.col("other_entry_id"),
                pl.col("rule"),
            ),
            "roll_entry",
            pl.col("other_entry_id"),
        )
    )
    return flags


def _flags_accounts(e: pl.DataFrame, base: pl.DataFrame, inp: Inputs) -> list[pl.DataFrame]:
    """No account, a new account's first payment, an account shared between households."""
    flags: list[pl.DataFrame] = []
    # No account to pay into.
    noacc = e.filter(pl.col("account_id").is_null())
    flags.append(
        _flags_frame(
            noacc,
            "no_account",
            pl.lit("该户无有效发放账户，请先登记账户"),
            "household",
            pl.col("household_id"),
        )
    )
    # The first payment into an account registered or changed in the application (issue 14.5):
    # payable, flagged for the preparer and approvers to check the holder and the change.
    fresh = e.filter(pl.col("account_id").is_in(inp.new_accounts["account_id"].implode()))
    flags.append(
        _flags_frame(
            fresh,
            "new_account",
            pl.format("{} ****{}", pl.col("holder_name"), pl.col("account_number").str.slice(-4)),
            "payment_account",
            pl.col("account_id"),
        )
    )
    # A bank account shared by unrelated households.
    sh = inp.shared_numbers
    shared = (
        e.filter(pl.col("account_number").is_not_null())
        .select("line_idx", "household_id", "account_number")
        .join(sh.rename({"household_id": "other_hh"}), on="account_number")
        .filter(pl.col("other_hh") != pl.col("household_id"))
        .unique(["line_idx", "other_hh"])
    )
    flags.append(
        _flags_frame(
            shared,
            "shared_account",
            pl.format("发放账号与家庭 #{} 相同（非同户共用账户）", pl.col("other_hh")),
            "household",
            pl.col("other_hh"),
        )
    )
    return flags


def _flags_decisions(e: pl.DataFrame, base: pl.DataFrame, inp: Inputs) -> list[pl.DataFrame]:
    """The line against the latest decision for its entry."""
    flags: list[pl.DataFrame] = []
    # Amount different from the latest decision for the entry, whatever the case's purpose:
    # the latest case that set the entry's amount (application, change, 渐退 step) …
    dec = inp.decisions.with_columns(pl.col("purpose").replace_strict(PURPOSE_LABELS, default=""))
    latest = (
        dec.filter(pl.col("role") != "end")
        .sort("entry_id", "decided_on", "application_id", nulls_last=False)
        .group_by("entry_id", maintain_order=True)
        .last()
    )
    mism = e.join(latest, on="entry_id").filter(pl.col("decided_fen") != pl.col("monthly_fen"))
    flags.append(
        _flags_frame(
            mism,
            "amount_mismatch",
            pl.format(
                "名册月金额 {} 元与最新决定（{}，{}）{} 元不符",
                fen_to_text(pl.col("monthly_fen")),
                pl.col("purpose"),
                pl.col("application_number"),
                fen_to_text(pl.col("decided_fen")),
            ),
            "application",
            pl.col("application_id"),
        )
    )
    # … and a change, stop or 渐退 decided for it: nothing is due after the decision's month
    # (the case ended the entry then; a line for later months pays what the decision stopped).
    ended = (
        e.join(dec.filter(pl.col("role") == "end"), on="entry_id")
        .with_columns(pl.max_horizontal(_mi("decided_on"), pl.col("start_i")).alias("dec_end_i"))
        .filter(pl.col("to_i") > pl.col("dec_end_i"))
        .sort("line_idx", "decided_on", "application_id")
        .unique("line_idx", keep="last", maintain_order=True)
    )
    flags.append(
        _flags_frame(
            ended,
            "amount_mismatch",
            pl.format(
                "最新决定（{}，{}）自 {} 起不再按此名册记录发放，本行仍发至 {}（应为 0 元）",
                pl.col("purpose"),
                pl.col("application_number"),
                _mi_to_date(pl.col("dec_end_i") + 1).dt.strftime("%Y-%m"),
                _mi_to_date(pl.col("to_i")).dt.strftime("%Y-%m"),
            ),
            "application",
            pl.col("application_id"),
        )
    )
    return flags


FLAG_STEPS = (
    _flags_dead,
    _flags_holds,
    _flags_findings,
    _flags_roll,
    _flags_exclusions,
    _flags_accounts,
    _flags_decisions,
)


def compute_lines(inp: Inputs) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (lines, flags). ``lines`` has one row per line in ``seq`` order; ``flags`` is long
    (line_idx, code, reason, ev_type, ev_id, ev_household)."""
    e = _with_accounts(_due_lines(inp), inp.accounts)
    base = e.select("line_idx", "household_id", "person_id", "payee_id", "programme", "entry_id")
    flags = [f for step in FLAG_STEPS for f in step(e, base, inp)]
    flag_df = pl.concat(flags, how="vertical_relaxed").sort("line_idx", "code", "ev_id")
    held_idx = flag_df.filter(pl.col("code").is_in(list(HOLDING))).select("line_idx").unique()
    lines = e.with_columns(
        pl.col("line_idx").is_in(held_idx["line_idx"].implode()).alias("held"),
        _mi_to_date(pl.col("from_i")).alias("months_from"),
        _mi_to_date(pl.col("to_i")).alias("months_to"),
    )
    return lines, flag_df


def flags_by_line(flag_df: pl.DataFrame) -> dict[int, list[dict]]:
    """{line_idx: [flag, …]} for the (few) flagged lines, as stored in ``PayrollLine.flags``."""
    out: dict[int, list[dict]] = {}
    for idx, code, reason, ev_type, ev_id, ev_hh in flag_df.iter_rows():
        out.setdefault(idx, []).append(
            {
                "code": code,
                "label": FLAG_LABELS[code],
                "held": code in HOLDING,
                "reason": reason,
                "evidence": {"type": ev_type, "id": ev_id, "household_id": ev_hh},
            }
        )
    return out
