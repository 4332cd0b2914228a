"""Reads for the policy engine: the compiled plan, parameter values, calculator, run results."""

from __future__ import annotations

import datetime
import threading

import polars as pl
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from jiuzhu.accounts.scoping import scoped
from jiuzhu.areas.models import Area
from jiuzhu.policy.engine.calculator import calculate
from jiuzhu.policy.engine.evaluate import Plan
from jiuzhu.policy.engine.params import ParamSpec, ParamValue, coerce, load_catalogue
from jiuzhu.policy.engine.programmes import load_documents
from jiuzhu.policy.models import (
    Determination,
    Flag,
    ParameterStatus,
    ParameterValue,
    PolicyRun,
    Programme,
)
from jiuzhu.policy.permissions import POLICY_VIEW

_lock = threading.Lock()
_cache: dict = {}


def param_catalogue() -> tuple[dict[str, ParamSpec], list[ParamValue]]:
    with _lock:
        if "catalogue" not in _cache:
            _cache["catalogue"] = load_catalogue()
        return _cache["catalogue"]


def programme_documents() -> list[dict]:
    """Active programme definitions from the database; the shipped YAML if none are loaded."""
    docs = [p.definition for p in Programme.objects.filter(active=True).order_by("code")]
    return docs or load_documents()


def current_plan() -> Plan:
    """The compiled plan, recompiled only when a programme changed."""
    agg = Programme.objects.aggregate(m=Max("updated_at"))
    key = (agg["m"], Programme.objects.filter(active=True).count())
    with _lock:
        cached = _cache.get("plan")
        if cached and cached[0] == key:
            return cached[1]
    specs, _catalogue = param_catalogue()
    plan = Plan.from_documents(programme_documents(), specs)
    with _lock:
        _cache["plan"] = (key, plan)
    return plan


def param_rows() -> list[ParamValue]:
    """National defaults from the catalogue plus every approved stored value."""
    specs, defaults = param_catalogue()
    rows = list(defaults)
    for pv in ParameterValue.objects.filter(status=ParameterStatus.APPROVED).only(
        "id", "name", "area_code", "effective_from", "value", "source"
    ):
        if pv.name in specs:
            rows.append(
                ParamValue(
                    pv.name,
                    pv.area_code,
                    pv.effective_from,
                    coerce(specs[pv.name], pv.value),
                    pv.id,
                    pv.source,
                )
            )
    return rows


def calculate_document(
    *, doc: dict, area_code: str, on: datetime.date, overrides: dict | None = None
) -> dict:
    return calculate(
        doc,
        area_code=area_code,
        on=on,
        plan=current_plan(),
        param_rows=param_rows(),
        overrides=overrides,
    )


def calculate_household(
    *,
    household_id: int,
    on: datetime.date,
    overrides: dict | None = None,
    leave_out: tuple[int, ...] = (),
    income_rows: list[dict] | None = None,
) -> dict:
    """The calculator for a household in the registry (read columnar, like the batch).

    For a change the registry does not show yet (monitoring's evidence): ``leave_out`` drops
    members (moved away, deceased) with their income; ``income_rows`` (the ``income`` input
    schema) replace the registry's income of the persons they name (a department's figures)."""
    from jiuzhu.policy.engine.calculator import calculate_frames
    from jiuzhu.policy.engine.features import INPUT_SCHEMAS
    from jiuzhu.policy.loader import registry_frames

    frames = registry_frames(household_ids=[household_id])
    if frames["households"].height == 0:
        raise LookupError(household_id)
    gone = [int(p) for p in leave_out]
    if gone:
        for name in ("persons", "income"):
            if name in frames and "person_id" in frames[name].columns:
                frames[name] = frames[name].filter(~pl.col("person_id").is_in(gone))
    if income_rows:
        named = {int(r["person_id"]) for r in income_rows if r.get("person_id") is not None}
        schema = INPUT_SCHEMAS["income"]
        extra = pl.DataFrame(
            [{c: r.get(c) for c in schema} for r in income_rows], schema=schema, orient="row"
        )
        kept = frames["income"].filter(~pl.col("person_id").is_in(list(named)))
        frames["income"] = pl.concat([kept, extra.select(kept.columns)], how="vertical_relaxed")
    area = frames["households"]["area_code"][0]
    return calculate_frames(
        frames,
        area_code=area,
        on=on,
        plan=current_plan(),
        param_rows=param_rows(),
        overrides=overrides,
    )


def parameter_history(*, name: str | None = None) -> QuerySet[ParameterValue]:
    qs = ParameterValue.objects.select_related("proposed_by", "decided_by")
    return qs.filter(name=name) if name else qs


def runs() -> QuerySet[PolicyRun]:
    return PolicyRun.objects.all()


def latest_run() -> PolicyRun | None:
    return PolicyRun.objects.filter(status="done").order_by("-id").first()


def run_determinations(
    *,
    user,
    run: PolicyRun,
    flag: str | None = None,
    programme: str | None = None,
    area: str | None = None,
) -> QuerySet[Determination]:
    """A run's determinations in the user's areas, hardest households first is up to the caller."""
    qs = scoped(Determination.objects.filter(run=run), user, POLICY_VIEW)
    if flag is not None:
        qs = qs.filter(flag=flag)
    if programme:
        qs = qs.filter(programme=programme)
    if area:
        qs = qs.filter(area_code__startswith=area.rstrip("0") or area)
    return qs


def run_area_summary(*, user, run: PolicyRun, area_len: int = 6) -> list[dict]:
    """Counts of missed / wrongly included / amount differences per area (user's scope)."""
    from django.db.models import Count, Q
    from django.db.models.functions import Substr

    qs = scoped(Determination.objects.filter(run=run), user, POLICY_VIEW)
    rows = (
        qs.annotate(area=Substr("area_code", 1, area_len))
        .values("area", "programme")
        .annotate(
            eligible=Count("id", filter=Q(eligible=True)),
            missed=Count("id", filter=Q(flag=Flag.MISSED)),
            wrongly_included=Count("id", filter=Q(flag=Flag.WRONGLY_INCLUDED)),
            amount_diff=Count("id", filter=Q(flag=Flag.AMOUNT_DIFF)),
        )
        .order_by("area", "programme")
    )
    return list(rows)


def run_compare(*, run: PolicyRun, previous: PolicyRun, user=None) -> pl.DataFrame:
    """What changed between two runs: per programme, households newly eligible / no longer."""

    def frame(r):
        qs = Determination.objects.filter(run=r, eligible=True)
        if user is not None:
            qs = scoped(qs, user, POLICY_VIEW)
        rows = list(qs.values_list("household_id", "programme", "amount"))
        return pl.DataFrame(
            rows,
            schema={"household_id": pl.Int64, "programme": pl.Utf8, "amount": pl.Decimal(38, 2)},
            orient="row",
        )

    a, b = frame(previous), frame(run)
    j = a.join(b, on=["household_id", "programme"], how="full", suffix="_new", coalesce=True)
    return (
        j.group_by("programme")
        .agg(
            added=pl.col("amount").is_null().sum(),
            removed=pl.col("amount_new").is_null().sum(),
            changed=(
                (pl.col("amount") != pl.col("amount_new"))
                & pl.col("amount").is_not_null()
                & pl.col("amount_new").is_not_null()
            ).sum(),
        )
        .sort("programme")
    )


def simulation_rows(table: pl.DataFrame, user) -> list[dict]:
    """The simulation table limited to the user's areas (rows are per county-level area)."""
    from jiuzhu.accounts.scoping import user_scope

    scope = user_scope(user, POLICY_VIEW)
    # Only rows inside the user's areas: a row for a wider area (a county, for a village user)
    # would show others' households in the totals. The view asks for rows at least as fine as
    # the user's areas.
    rows = [r for r in table.to_dicts() if scope.contains(r["area"])]
    names = dict(
        Area.objects.filter(code__in={r["area"] for r in rows}).values_list("code", "name")
    )
    for r in rows:
        r["area_name"] = names.get(r["area"], r["area"])
    return [
        r
        for r in rows
        if r["added_households"]
        or r["removed_households"]
        or r["monthly_delta"]
        or r["base_households"]
    ]


def simulation_totals(rows: list[dict]) -> list[dict]:
    from collections import defaultdict
    from decimal import Decimal

    acc: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        t = acc[r["programme"]]
        for k in (
            "base_households",
            "scenario_households",
            "added_households",
            "removed_households",
            "added_persons",
            "removed_persons",
        ):
            t[k] += r[k]
        t["monthly_delta"] = t.get("monthly_delta", Decimal(0)) + r["monthly_delta"]
        t["yearly_delta"] = t.get("yearly_delta", Decimal(0)) + r["yearly_delta"]
    return [{"programme": k, **v} for k, v in sorted(acc.items())]


def cliff_chart(
    *,
    on: datetime.date,
    size: int,
    area_code: str = "",
    override: dict | None = None,
    steps: int = 60,
) -> dict:
    """悬崖效应: total monthly support against household monthly income for one household type
    (adults aged 40, children aged 10), for a new applicant and for a household leaving 低保
    through 渐退 (a member found work). Current parameters and, if given, the scenario."""
    from decimal import Decimal

    from jiuzhu.policy.engine.calculator import apply_overrides, document_frames
    from jiuzhu.policy.engine.params import resolve
    from jiuzhu.policy.engine.simulate import cliff_curve

    plan = current_plan()
    rows = param_rows()
    area = area_code or "321200000000"
    base_values = resolve(rows, area, on, plan.specs)
    standard = base_values["dibao.standard"].value
    top = int(standard * 100 * size * 3)
    incomes = [top * i // steps for i in range(steps + 1)]
    lookback = int(base_values["income.lookback_months"].value)

    def make(on_roll: bool):
        def doc_for(i, income_fen):
            members = [{"id": 1, "age": 40, "employment": "employed"}]
            members += [
                {
                    "id": k + 2,
                    "age": 40 if k == 0 else 10,
                    "school_stage": "none" if k == 0 else "primary",
                }
                for k in range(size - 1)
            ]
            doc = {
                "members": members,
                "income": [
                    {
                        "member": 1,
                        "kind": "wage",
                        "amount": str(Decimal(income_fen * lookback) / 100),
                    }
                ],
            }
            if on_roll:
                doc["roll"] = [
                    {
                        "programme": "dibao",
                        "monthly_amount": str(standard),
                        "start_month": on.replace(day=1).isoformat(),
                    }
                ]
            return document_frames(doc, on, lookback=lookback, household_id=i, area_code=area)

        return doc_for

    series = {}
    for label, values in [(_("现行"), base_values)] + (
        [(_("调整后"), apply_overrides(base_values, override, plan.specs))] if override else []
    ):
        for roll_label, on_roll in ((_("新申请"), False), (_("在保渐退"), True)):
            df = cliff_curve(
                make(on_roll),
                plan=plan,
                values=values,
                on=on,
                incomes_fen=incomes,
                lookback=lookback,
            )
            series[f"{label}·{roll_label}"] = {
                "support": [float(x) for x in df["support"]],
                "disposable": [float(x) for x in df["disposable"]],
            }
    return {
        "income": [i / 100 for i in incomes],
        "series": series,
        "size": size,
        "standard": float(standard),
    }


def current_parameter_table(*, on: datetime.date) -> list[dict]:
    """Every parameter's national default and each area's own current values."""
    specs, _catalogue = param_catalogue()
    rows = param_rows()
    out = []
    for name, spec in specs.items():
        mine = [r for r in rows if r.name == name and r.effective_from <= on]
        by_area: dict[str, ParamValue] = {}
        for r in sorted(mine, key=lambda r: (r.effective_from, str(r.version).zfill(12))):
            by_area[r.area_code] = r
        for area, r in sorted(by_area.items()):
            out.append(
                {
                    "name": name,
                    "label": spec.label,
                    "unit": spec.unit,
                    "area_code": area or _("全国默认"),
                    "value": r.value,
                    "effective_from": r.effective_from,
                    "source": r.source,
                    "version": r.version,
                }
            )
    return out


def parameter_for_areas(*, name: str, area_codes, on: datetime.date) -> dict:
    """One parameter's value in force on ``on`` for each area (inheritance as in the engine):
    e.g. the 低保标准 of every village for the statistics' 平均标准."""
    from jiuzhu.policy.engine.params import resolve

    specs, _defaults = param_catalogue()
    rows = [r for r in param_rows() if r.name == name]
    spec = {name: specs[name]}
    return {code: resolve(rows, code, on, spec)[name].value for code in area_codes}


def flags_frame(*, on: datetime.date) -> pl.DataFrame:
    """The 政策找人 conclusions of the latest finished run assessed on or before ``on``:
    ``household_id``, ``area_code``, ``programme``, ``flag`` (missed / wrongly included / …) and
    ``eligible``. Empty when there is no such run."""
    from jiuzhu.core.frames import read_frame

    schema = {
        "household_id": pl.Int64,
        "area_code": pl.Utf8,
        "programme": pl.Utf8,
        "flag": pl.Utf8,
        "eligible": pl.Boolean,
    }
    run = PolicyRun.objects.filter(status="done", on_date__lte=on).order_by("-on_date", "-id")
    run = run.first()
    if run is None:
        return pl.DataFrame(schema=schema)
    return read_frame(
        "SELECT household_id, area_code, programme, flag, eligible FROM policy_determination "
        "WHERE run_id = %s AND (flag <> '' OR eligible)",
        [run.pk],
        schema,
    )


def determinations_frame(
    run_id: int, where: str, schema: dict, *, with_failed: bool = False
) -> pl.DataFrame:
    """A run's determinations as a frame: ``household_id, programme, amount_fen`` (and
    ``failed``) of the rows matching ``where`` (fixed SQL on the determination table)."""
    from jiuzhu.core.frames import fen_sql, read_frame

    return read_frame(
        f"SELECT household_id, programme, {fen_sql('amount')}"
        + (", failed" if with_failed else "")
        + f" FROM policy_determination WHERE run_id = %s AND {where}",
        [run_id],
        schema,
    )
