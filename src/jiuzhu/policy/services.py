"""Writes of the policy engine: programmes, parameters (maker-checker), runs, simulation.

Every change goes through ``audit_record`` inside its transaction.
"""

from __future__ import annotations

import datetime
import logging
import time
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.accounts.scoping import user_scope
from jiuzhu.areas.models import Area
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.frames import write_frame
from jiuzhu.policy import selectors
from jiuzhu.policy.engine.errors import EngineError
from jiuzhu.policy.engine.evaluate import Plan, catalogue_for, evaluate
from jiuzhu.policy.engine.expr import ExpressionError
from jiuzhu.policy.engine.features import compute_features
from jiuzhu.policy.engine.hardship import load_weights, score_expr
from jiuzhu.policy.engine.params import (
    ParamValue,
    coerce,
    load_demo_values,
    resolve,
    resolve_frame,
)
from jiuzhu.policy.engine.programmes import compile_programme, load_documents
from jiuzhu.policy.engine.simulate import compare
from jiuzhu.policy.loader import bulk_update_scores, registry_frames
from jiuzhu.policy.messages import engine_refusal
from jiuzhu.policy.models import (
    Determination,
    Flag,
    ParameterStatus,
    ParameterValue,
    PolicyRun,
    Programme,
    RunStatus,
)
from jiuzhu.policy.permissions import POLICY_CONFIGURE

log = logging.getLogger("jiuzhu.policy")


# Programmes whose recipients are on the roll (救助名册); the others are reimbursements, one-off
# aid or a watch list, where "eligible but not on the roll" is not a finding.
# Recognition-only programmes (amount 0: 低保边缘, 刚性支出) are statuses, not roll payments.
# Another department's programme (the register's ``handling: refer``) and one a definition marks
# ``roll: false`` (paid outside the 救助名册) are not roll findings either (issue 19).
def roll_tracked(plan: Plan) -> set[str]:
    return {
        p.code
        for p in plan.programmes
        if p.period == "month"
        and p.tier != "watch"
        and p.amount.source.strip() != "0"
        and p.source.get("handling") != "refer"
        and p.source.get("roll", True) is not False
    }


# --- programmes ------------------------------------------------------------------------------


def programme_save(*, actor, doc: dict, reason: str = "", check_set: bool = True) -> Programme:
    """Check a programme definition against the catalogue and store it (new version)."""
    specs, _catalogue = selectors.param_catalogue()
    codes = {p.code for p in Programme.objects.all()} | {d["code"] for d in load_documents()}
    codes.add(str(doc.get("code")))
    try:
        prog = compile_programme(doc, catalogue_for(specs, codes))
    except ExpressionError as exc:
        raise engine_refusal(exc, field="definition", code="invalid_expression") from None
    with transaction.atomic():
        obj = Programme.objects.select_for_update().filter(code=prog.code).first()
        before = obj.definition if obj else None
        if obj is None:
            obj = Programme(code=prog.code)
        elif obj.definition == doc:
            return obj
        else:
            obj.version += 1
        obj.name, obj.tier, obj.unit, obj.period = prog.name, prog.tier, prog.unit, prog.period
        obj.definition = doc
        obj.active = True
        obj.save()
        if check_set:
            _check_programme_set(specs)
        audit_record(
            actor=actor,
            action="policy.programme.save",
            area_code=NATIONAL,
            subject_type="policy.programme",
            subject_id=prog.code,
            reason=reason,
            before=before,
            after=doc,
            extra={"version": obj.version},
        )
    return obj


def _check_programme_set(specs) -> None:
    """The whole active set must still compile together (references, cycles)."""
    try:
        Plan.from_documents(selectors.programme_documents(), specs)
    except ExpressionError as exc:
        raise engine_refusal(exc, field="definition", code="invalid_expression") from None


def programmes_load(*, actor=None) -> int:
    """Load (or update) the shipped programme YAML into the database, all or nothing."""
    n = 0
    specs, _catalogue = selectors.param_catalogue()
    with transaction.atomic():
        for doc in load_documents():
            before = Programme.objects.filter(code=doc["code"]).values_list("definition", flat=True)
            if list(before) != [doc]:
                programme_save(
                    actor=actor, doc=doc, reason="载入随系统发布的项目定义", check_set=False
                )
                n += 1
        _check_programme_set(specs)
    return n


# --- parameters (maker-checker) ------------------------------------------------------------


def parameter_propose(
    *,
    actor,
    name: str,
    area_code: str,
    effective_from: datetime.date,
    value,
    source: str = "",
    reason: str = "",
) -> ParameterValue:
    specs, _catalogue = selectors.param_catalogue()
    if name not in specs:
        raise ServiceError(_("未知参数 “%(name)s”") % {"name": name}, field="name")
    try:
        v = coerce(specs[name], value)
    except EngineError as exc:
        raise engine_refusal(exc, field="value") from None
    if area_code and not Area.objects.filter(code=area_code).exists():
        raise ServiceError(_("区划 %(code)s 不存在") % {"code": area_code}, field="area_code")
    if actor is not None:
        scope = user_scope(actor, POLICY_CONFIGURE)
        # National values ("") come only from the shipped catalogue, never from a user.
        if not area_code or not scope.contains(area_code):
            raise ServiceError(
                _("只能为本人管辖范围内的区划设置参数"), field="area_code", code="out_of_scope"
            )
    if not reason.strip() and actor is not None:
        raise ServiceError(_("请填写调整理由"), field="reason")
    with transaction.atomic():
        pv = ParameterValue.objects.create(
            name=name,
            area_code=area_code,
            effective_from=effective_from,
            value=str(v),
            source=source,
            reason=reason,
            proposed_by=actor if actor and actor.pk else None,
        )
        audit_record(
            actor=actor,
            action="policy.parameter.propose",
            subject_type="policy.parameter",
            subject_id=pv.pk,
            area_code=area_code,
            reason=reason,
            after={
                "name": name,
                "value": str(v),
                "effective_from": effective_from,
                "source": source,
            },
        )
    return pv


def parameter_decide(
    *, actor, parameter_id: int, approve: bool, reason: str = ""
) -> ParameterValue:
    """Approve or reject a proposed value. The approver must not be the proposer (maker-checker)."""
    with transaction.atomic():
        pv = ParameterValue.objects.select_for_update().filter(pk=parameter_id).first()
        if pv is None:
            raise ServiceError(_("参数记录不存在"), field="parameter_id", code="not_found")
        if pv.status != ParameterStatus.PROPOSED:
            raise ServiceError(_("只有待审核的参数可以审核"), field="status", code="invalid_state")
        if actor is not None:
            if pv.proposed_by_id == actor.pk:
                raise ServiceError(
                    _("提出人不能审核自己提出的参数（双人复核）"),
                    field="decided_by",
                    code="same_person",
                )
            if not user_scope(actor, POLICY_CONFIGURE).contains(pv.area_code or "x"):
                raise ServiceError(
                    _("只能审核本人管辖范围内的参数"), field="area_code", code="out_of_scope"
                )
        if not approve and not reason.strip():
            raise ServiceError(_("驳回须说明理由"), field="reason")
        pv.status = ParameterStatus.APPROVED if approve else ParameterStatus.REJECTED
        pv.decided_by = actor if actor and actor.pk else None
        pv.decided_at = timezone.now()
        pv.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action="policy.parameter." + ("approve" if approve else "reject"),
            subject_type="policy.parameter",
            subject_id=pv.pk,
            area_code=pv.area_code,
            reason=reason,
            after={
                "name": pv.name,
                "value": pv.value,
                "effective_from": pv.effective_from,
                "status": pv.status,
            },
        )
    return pv


def parameters_load_demo() -> int:
    """The demo's Taizhou values, approved by the system (documented local examples)."""
    specs, _catalogue = selectors.param_catalogue()
    n = 0
    with transaction.atomic():
        for d in load_demo_values(specs):
            exists = ParameterValue.objects.filter(
                name=d["name"],
                area_code=d["area_code"],
                effective_from=d["effective_from"],
                status=ParameterStatus.APPROVED,
            ).exists()
            if exists or not Area.objects.filter(code=d["area_code"]).exists():
                continue
            pv = ParameterValue.objects.create(
                name=d["name"],
                area_code=d["area_code"],
                effective_from=d["effective_from"],
                value=str(d["value"]),
                source=d["source"],
                reason="演示数据",
                status=ParameterStatus.APPROVED,
                decided_at=timezone.now(),
            )
            audit_record(
                actor=None,
                action="policy.parameter.load_demo",
                subject_type="policy.parameter",
                subject_id=pv.pk,
                area_code=pv.area_code,
                after={"name": pv.name, "value": pv.value},
            )
            n += 1
    return n


# --- 政策找人 batch run ---------------------------------------------------------------------


def _window_start(on: datetime.date, months: int) -> datetime.date:
    m = on.year * 12 + on.month - 1 - months
    return datetime.date(m // 12, m % 12 + 1, 1)


def _emergency_months(root: dict) -> int:
    """The 急难 window, read at the national root like the look-back (features come first)."""
    return int(root["temporary_aid.emergency_window_months"].value)


def evaluate_registry(
    *,
    on: datetime.date,
    area_prefix: str = "",
    rows=None,
    extra: list[str] | None = None,
    frames=None,
):
    """Read the registry columnar and evaluate every programme. Returns (result, frames, timings)."""
    t0 = time.perf_counter()
    plan = selectors.current_plan()
    rows = rows if rows is not None else selectors.param_rows()
    root = resolve(rows, "", on, plan.specs)
    lookback = int(root["income.lookback_months"].value)
    if frames is None:
        frames = registry_frames(
            area_prefix=area_prefix,
            since=_window_start(on, max(lookback, 12, _emergency_months(root) + 1)),
        )
    t1 = time.perf_counter()
    feats = compute_features(
        frames, on, lookback=lookback, emergency_months=_emergency_months(root)
    )
    t2 = time.perf_counter()
    areas = feats["area_code"].unique().to_list() or [area_prefix.ljust(12, "0")]
    params, _ = resolve_frame(rows, areas, on, plan.specs)
    result = evaluate(feats, params, plan, keep=extra or "results")
    t3 = time.perf_counter()
    timings = {
        "read": round(t1 - t0, 3),
        "features": round(t2 - t1, 3),
        "evaluate": round(t3 - t2, 3),
    }
    return result, frames, timings, plan


HARDSHIP_INPUTS = [
    "per_capita_income",
    "p:dibao.standard",
    "counted_members",
    "n_severe_disabled",
    "n_major_ill",
    "n_elderly",
    "n_minors",
    "n_able_adults",
    "rigid_expense_12m",
    "annual_income",
]


def determinations_frame(result: pl.DataFrame, roll: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Long frame: one row per household × programme that is eligible or on the roll."""
    tracked = roll_tracked(plan)
    on_roll = roll.group_by("household_id", "programme").agg(
        roll_amount=pl.col("monthly_amount_fen").sum()
    )
    parts = []
    for p in plan.programmes:
        failed = pl.lit(0, dtype=pl.Int64)
        for i, c in enumerate(p.conditions):
            failed = failed + pl.when(pl.col(f"{p.code}.c.{c.name}")).then(0).otherwise(1 << i)
        part = result.select(
            "household_id",
            "area_code",
            programme=pl.lit(p.code),
            eligible=pl.col(f"{p.code}.eligible"),
            amount=pl.col(f"{p.code}.amount"),
            beneficiaries=pl.col(f"{p.code}.beneficiaries").cast(pl.Int64),
            failed=failed.cast(pl.Int64),
        )
        r = on_roll.filter(pl.col("programme") == p.code).drop("programme")
        part = part.join(r, on="household_id", how="left").with_columns(
            on_roll=pl.col("roll_amount").is_not_null(),
        )
        part = part.filter(pl.col("eligible") | pl.col("on_roll"))
        amount_fen = (pl.col("amount") * pl.lit(Decimal(100))).cast(pl.Int64)
        if p.code in tracked:
            flag = (
                pl.when(pl.col("eligible") & ~pl.col("on_roll"))
                .then(pl.lit(Flag.MISSED.value))
                .when(~pl.col("eligible") & pl.col("on_roll"))
                .then(pl.lit(Flag.WRONGLY_INCLUDED.value))
                .when(
                    pl.col("eligible") & pl.col("on_roll") & (amount_fen != pl.col("roll_amount"))
                )
                .then(pl.lit(Flag.AMOUNT_DIFF.value))
                .otherwise(pl.lit(""))
            )
        else:
            flag = pl.lit("")
        parts.append(part.with_columns(flag=flag))
    if not parts:
        return pl.DataFrame()
    out = pl.concat(parts, how="vertical")
    return out.with_columns(
        roll_amount=(pl.col("roll_amount").cast(pl.Decimal(38, 0)) * pl.lit(Decimal("0.01")))
    )


def policy_run(
    *, on: datetime.date, area_code: str = "", actor=None, update_scores: bool = True
) -> PolicyRun:
    """政策找人 over the registry (or an area subtree): store determinations, flags and scores."""
    prefix = ""
    if area_code:
        from jiuzhu.policy.engine.params import area_prefix

        prefix = area_prefix(area_code)
    run = PolicyRun.objects.create(
        on_date=on, area_code=area_code, started_by=actor if actor and actor.pk else None
    )
    t0 = time.perf_counter()
    try:
        result, frames, timings, plan = evaluate_registry(
            on=on, area_prefix=prefix, extra=HARDSHIP_INPUTS
        )
        t1 = time.perf_counter()
        det = determinations_frame(result, frames["roll"], plan)
        det = det.with_columns(run_id=pl.lit(run.pk, dtype=pl.Int64))
        scores = result.select("household_id", score_expr(load_weights()).alias("score"))
        t2 = time.perf_counter()
        summary = _summary(det, result, plan)
        with transaction.atomic():
            write_frame(
                Determination._meta.db_table,
                det.select(
                    "run_id",
                    "household_id",
                    "area_code",
                    "programme",
                    "eligible",
                    pl.col("amount").cast(pl.Utf8),
                    "beneficiaries",
                    "failed",
                    "on_roll",
                    pl.col("roll_amount").cast(pl.Utf8),
                    "flag",
                ),
            )
            if update_scores:
                bulk_update_scores(scores)
            run.status = RunStatus.DONE
            run.finished_at = timezone.now()
            run.households = result.height
            run.programmes = {
                p.code: {
                    "name": p.name,
                    "tier": p.tier,
                    "period": p.period,
                    "conditions": [[c.name, c.label] for c in p.conditions],
                }
                for p in plan.programmes
            }
            run.summary = summary
            t3 = time.perf_counter()
            timings.update(
                determinations=round(t2 - t1, 3),
                store=round(t3 - t2, 3),
                total=round(t3 - t0, 3),
                rows=det.height,
            )
            run.timings = timings
            run.save()
            audit_record(
                actor=actor,
                action="policy.run",
                subject_type="policy.run",
                subject_id=run.pk,
                area_code=area_code,
                after={"on": on, "households": run.households, "totals": summary["totals"]},
            )
    except Exception as exc:
        PolicyRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    log.info(
        "policy run %s: %s households in %.1fs", run.pk, run.households, time.perf_counter() - t0
    )
    return run


PERIOD_UNITS = {"month": "元/月", "year": "元/年", "once": "元/次"}


def _summary(det: pl.DataFrame, result: pl.DataFrame, plan: Plan) -> dict:
    """Per programme: counts, flags and the amount summed in the programme's own unit
    (``period``: 医疗救助 and 教育救助 are yearly, 临时救助 one-off). ``by_period`` adds up
    programmes of the same period only — a yearly amount is never added to monthly ones."""
    totals = {}
    by_period: dict[str, Decimal] = {}
    for p in plan.programmes:
        d = det.filter(pl.col("programme") == p.code)
        el = d.filter(pl.col("eligible"))
        amount = el["amount"].sum() if el.height else Decimal("0.00")
        by_period[p.period] = by_period.get(p.period, Decimal("0.00")) + amount
        totals[p.code] = {
            "eligible": el.height,
            "persons": int(el["beneficiaries"].sum() or 0),
            "period": p.period,
            "unit": PERIOD_UNITS.get(p.period, p.period),
            "amount": str(amount),
            "on_roll": int(d["on_roll"].sum() or 0),
            "missed": int((d["flag"] == Flag.MISSED.value).sum()),
            "wrongly_included": int((d["flag"] == Flag.WRONGLY_INCLUDED.value).sum()),
            "amount_diff": int((d["flag"] == Flag.AMOUNT_DIFF.value).sum()),
        }
    return {
        "totals": totals,
        "by_period": {k: str(v) for k, v in sorted(by_period.items())},
        "households": result.height,
    }


# --- simulation -----------------------------------------------------------------------------


def simulate(
    *,
    on: datetime.date,
    overrides: list[dict],
    area_prefix: str = "",
    frames=None,
    area_len: int = 6,
) -> dict:
    """What if: ``overrides`` = [{name, area_code, effective_from, value}] added to the stored
    parameters. Households whose parameters do not change are not re-evaluated."""
    plan = selectors.current_plan()
    rows = selectors.param_rows()
    scenario_rows = list(rows)
    for i, o in enumerate(overrides):
        name = o.get("name")
        if name not in plan.specs:
            raise ServiceError(
                _("未知参数 “%(name)s”") % {"name": name}, field=f"overrides[{i}].name"
            )
        try:
            v = coerce(plan.specs[name], o.get("value"))
        except EngineError as exc:
            raise engine_refusal(exc, field=f"overrides[{i}].value") from None
        eff = o.get("effective_from") or on
        if isinstance(eff, str):
            eff = datetime.date.fromisoformat(eff)
        scenario_rows.append(ParamValue(name, o.get("area_code", "") or "", eff, v, "scenario"))
    t0 = time.perf_counter()
    base, frames, timings, _extra = evaluate_registry(
        on=on, area_prefix=area_prefix, rows=rows, frames=frames
    )
    t1 = time.perf_counter()
    scenario = simulate_frames(base, frames, plan, rows, scenario_rows, on)
    # Only households whose parameters change can change; the table covers their areas.
    affected = base.filter(pl.col("household_id").is_in(scenario["household_id"].implode()))
    table = compare(affected, scenario, plan, area_len=area_len)
    t2 = time.perf_counter()
    timings.update(base=round(t1 - t0, 3), scenario=round(t2 - t1, 3))
    return {"table": table, "timings": timings, "plan": plan}


def simulate_frames(
    base: pl.DataFrame, frames: dict, plan: Plan, rows, scenario_rows, on: datetime.date
) -> pl.DataFrame:
    """Re-evaluate the households in areas whose resolved parameters change (only those)."""
    root = resolve(rows, "", on, plan.specs)
    lookback = int(root["income.lookback_months"].value)
    areas = base["area_code"].unique().to_list()
    p_old, _old_extra = resolve_frame(rows, areas, on, plan.specs)
    p_new, _new_extra = resolve_frame(scenario_rows, areas, on, plan.specs)
    changed = (
        p_old.join(p_new, on="area_code", suffix="_new")
        .filter(
            pl.any_horizontal(
                [pl.col(c) != pl.col(c + "_new") for c in p_old.columns if c != "area_code"]
            )
        )["area_code"]
        .to_list()
    )
    if not changed:
        return base.head(0)
    hh = frames["households"].filter(pl.col("area_code").is_in(changed))
    ids = hh["household_id"]
    sub = {
        k: (v.filter(pl.col("household_id").is_in(ids.implode())) if v is not None else v)
        for k, v in frames.items()
    }
    feats = compute_features(sub, on, lookback=lookback, emergency_months=_emergency_months(root))
    res = evaluate(feats, p_new.filter(pl.col("area_code").is_in(changed)), plan, keep="results")
    return res.select(base.columns)


# --- the programme editor (maker-checker, issue 19) -------------------------------------------


def programme_propose(*, actor, text: str, reason: str):
    """An administrator proposes a programme definition (YAML). It is checked against the
    catalogue now; it takes effect only when another administrator approves it. A new
    programme is stored inactive meanwhile (the calculator and 政策找人 do not evaluate it)."""
    import yaml

    from jiuzhu.policy.models import ProgrammeProposal

    if actor is None or user_scope(actor, POLICY_CONFIGURE).empty:
        raise ServiceError(_("只有系统管理员可以编辑救助项目"), code="wrong_role")
    if not (reason or "").strip():
        raise ServiceError(_("请填写调整理由"), field="reason")
    try:
        doc = yaml.safe_load(text or "")
    except yaml.YAMLError as exc:
        raise ServiceError(
            _("项目定义不是有效的 YAML：%(error)s") % {"error": str(exc).splitlines()[0]},
            field="text",
        ) from None
    if not isinstance(doc, dict):
        raise ServiceError(_("项目定义须是一个键值映射（code、name、conditions …）"), field="text")
    specs, _catalogue = selectors.param_catalogue()
    codes = {p.code for p in Programme.objects.all()} | {d["code"] for d in load_documents()}
    codes.add(str(doc.get("code")))
    try:
        prog = compile_programme(doc, catalogue_for(specs, codes))
    except ExpressionError as exc:
        raise engine_refusal(exc, field="text", code="invalid_expression") from None
    with transaction.atomic():
        if not Programme.objects.filter(code=prog.code).exists():
            Programme.objects.create(
                code=prog.code,
                name=prog.name,
                tier=prog.tier,
                unit=prog.unit,
                period=prog.period,
                definition=doc,
                active=False,
            )
        proposal = ProgrammeProposal.objects.create(
            code=prog.code, definition=doc, text=text, reason=reason.strip(), proposed_by=actor
        )
        audit_record(
            actor=actor,
            action="policy.programme.propose",
            area_code=NATIONAL,
            subject_type="policy.programme",
            subject_id=prog.code,
            reason=reason,
            after=doc,
            extra={"proposal": proposal.pk},
        )
    return proposal


def programme_proposal_decide(*, actor, proposal_id: int, approve: bool, note: str = ""):
    """The second administrator approves (the definition takes effect, the programme becomes
    active) or rejects (with a note) a proposal; never the proposer."""
    from jiuzhu.policy.models import ProgrammeProposal, ProposalStatus

    if actor is None or user_scope(actor, POLICY_CONFIGURE).empty:
        raise ServiceError(_("只有系统管理员可以复核救助项目"), code="wrong_role")
    with transaction.atomic():
        p = ProgrammeProposal.objects.select_for_update().filter(pk=proposal_id).first()
        if p is None:
            raise ServiceError(_("项目定义变更不存在"), code="not_found")
        if p.status != ProposalStatus.PROPOSED:
            raise ServiceError(_("只有待复核的变更可以复核"), code="invalid_state")
        if p.proposed_by_id == actor.pk:
            raise ServiceError(
                _("提出人不能复核自己提出的项目定义（双人复核）"),
                field="decided_by",
                code="same_person",
            )
        if not approve and not (note or "").strip():
            raise ServiceError(_("驳回须说明理由"), field="note")
        if approve:
            if not Programme.objects.filter(active=True).exists():
                programmes_load(actor=actor)  # the set in force is the shipped one: store it first
            Programme.objects.filter(code=p.code).update(active=True)
            programme_save(actor=actor, doc=p.definition, reason=f"复核通过：{p.reason}")
            _check_programme_set(selectors.param_catalogue()[0])
        p.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
        p.decided_by = actor
        p.decided_at = timezone.now()
        p.decision_note = (note or "").strip()[:200]
        p.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action="policy.programme." + ("approve" if approve else "reject"),
            area_code=NATIONAL,
            subject_type="policy.programme",
            subject_id=p.code,
            reason=note,
            after={"proposal": p.pk, "status": p.status},
        )
    return p
