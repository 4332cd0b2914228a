"""Statistics writes: month-end snapshots, 督办, spot-check plans and results, data quality.

Each service runs in one transaction and records who/when/why in the audit log. Other apps are
read through their selectors only (registry, funds, policy, cases, verify)."""

from __future__ import annotations

import datetime
import math
import random
import re
import time
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.areas.models import parent_code
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.frames import write_frame
from jiuzhu.stats import engine
from jiuzhu.stats.models import (
    DataQualityItem,
    HouseholdTier,
    ItemStatus,
    QualityKind,
    Snapshot,
    SnapshotKind,
    SnapshotRow,
    SpotCheckPlan,
    SpotCheckSample,
    SpotResult,
    SupervisionItem,
)

SUPERVISION_DAYS = 5  # working days the level above gives the overdue case (督办期限)


# ---------------------------------------------------------------- snapshots


def snapshot_frames(*, month: datetime.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Build (not store) the month's rows and tiers from the roll, the ledger and the places."""
    from jiuzhu.funds.selectors import ledger_paid_frame
    from jiuzhu.policy.selectors import flags_frame, parameter_for_areas
    from jiuzhu.registry.selectors import (
        centralized_persons_frame,
        counted_members_frame,
        household_places_frame,
        roll_entries_frame,
    )

    m = engine.month_start(month)
    first = min(engine.add_months(m, -1), m.replace(month=1))
    form = engine.load_form()
    # Only households that were ever on a roll can have a row (the ledger pays roll entries).
    places = household_places_frame(on_roll_only=True)
    entries = roll_entries_frame(first_month=first, last_month=m)
    members = counted_members_frame(on=engine.month_end(m), on_roll_since=first)
    ledger = ledger_paid_frame(first_month=m.replace(month=1), last_month=m)
    flags = flags_frame(on=engine.month_end(m))
    watch = flags.filter((pl.col("programme") == "poverty_watch") & pl.col("eligible"))
    areas = places.get_column("area_code").unique().drop_nulls().to_list()
    standards = {
        code: int(Decimal(value) * 100)
        for code, value in parameter_for_areas(
            name="dibao.standard", area_codes=areas, on=engine.month_end(m)
        ).items()
    }
    return engine.build_snapshot(
        month=m,
        entries=entries,
        members=members,
        places=places,
        ledger=ledger,
        standards=standards,
        tiers=form.tiers,
        watch=watch,
        centralized=centralized_persons_frame(on=engine.month_end(m)),
    )


def snapshot_take(*, month: datetime.date, actor=None, reason: str = "") -> Snapshot:
    """Take the month's snapshot. The first is the close (月末结账) the form reports for ever;
    a later one is an adjustment (结账后更正) and needs a reason — the form then shows the
    difference as an adjustment line. Written in bulk, in one transaction, audited."""
    m = engine.month_start(month)
    if m > engine.month_start(clock.today()):
        raise ServiceError(_("统计月份不能晚于本月"), field="month")
    started = time.perf_counter()
    rows, tiers = snapshot_frames(month=m)
    with transaction.atomic():
        closed = Snapshot.objects.select_for_update().filter(month=m, kind=SnapshotKind.CLOSE)
        kind = SnapshotKind.ADJUSTMENT if closed.exists() else SnapshotKind.CLOSE
        if kind == SnapshotKind.ADJUSTMENT and not reason.strip():
            raise ServiceError(_("该月已结账，重新生成须填写更正说明"), field="reason")
        snap = Snapshot.objects.create(
            month=m, kind=kind, taken_at=clock.now(), taken_by=actor, reason=reason[:200]
        )
        write_frame(
            SnapshotRow._meta.db_table,
            rows.with_columns(pl.lit(snap.pk).alias("snapshot_id")),
            rebuild_keys=True,
        )
        if not Snapshot.objects.filter(month__gt=m).exists():  # the latest month: tiers
            HouseholdTier.objects.all().delete()
            write_frame(
                HouseholdTier._meta.db_table,
                tiers.with_columns(pl.lit(m).alias("month")),
            )
        snap.rows = rows.height
        snap.seconds = round(time.perf_counter() - started, 3)
        snap.save(update_fields=["rows", "seconds"])
        audit_record(
            actor=actor,
            action="stats.snapshot_close"
            if kind == SnapshotKind.CLOSE
            else "stats.snapshot_adjust",
            area_code=NATIONAL,
            subject_type="stats_snapshot",
            subject_id=snap.pk,
            reason=reason or "月末快照",
            after={"month": f"{m:%Y-%m}", "rows": rows.height},
        )
    return snap


# ---------------------------------------------------------------- 督办


def supervision_escalate(*, today: datetime.date | None = None, actor=None) -> int:
    """Escalate every overdue open case to the level above its area (县 for a street's case,
    市 for a county's), with ``SUPERVISION_DAYS`` working days; close items whose case is no
    longer overdue. Returns the number of new items."""
    from jiuzhu.cases.selectors import overdue_applications
    from jiuzhu.cases.workdays import add_working_days

    today = today or clock.today()
    overdue = {a["id"]: a for a in overdue_applications(today=today)}
    with transaction.atomic():
        open_items = {
            i.application_id: i
            for i in SupervisionItem.objects.select_for_update().filter(status=ItemStatus.OPEN)
        }
        now = clock.now()
        gone = [i.pk for app_id, i in open_items.items() if app_id not in overdue]
        if gone:
            SupervisionItem.objects.filter(pk__in=gone).update(
                status=ItemStatus.CLOSED, closed_at=now
            )
        due = add_working_days(today, SUPERVISION_DAYS)
        new = [
            SupervisionItem(
                application_id=a["id"],
                application_number=a["number"],
                programme=a["programme"],
                area_code=a["area_code"],
                supervisor_area=_level_above(a["area_code"]),
                decision_due=a["decision_due"],
                due_date=due,
                created_at=now,
            )
            for app_id, a in overdue.items()
            if app_id not in open_items
        ]
        SupervisionItem.objects.bulk_create(new)
        for item in new:
            audit_record(
                actor=actor,
                action="stats.supervision_open",
                subject_type="application",
                subject_id=item.application_id,
                area_code=item.area_code,
                reason="超期未办结，提级督办",
                after={"supervisor_area": item.supervisor_area, "due": item.due_date.isoformat()},
            )
    return len(new)


def _level_above(area_code: str) -> str:
    """The county for a street or village case, the city for a county's."""
    from jiuzhu.areas.models import AreaLevel, level_for_code

    code = area_code
    while level_for_code(code) in (AreaLevel.VILLAGE, AreaLevel.TOWNSHIP):
        code = parent_code(code)
    if code == area_code:  # a county's own case goes to the city
        code = parent_code(code) or code
    return code


# ---------------------------------------------------------------- spot checks


def _stratum(decision: dict) -> str | None:
    if decision["programme"] == "tekun":
        return "tekun"
    if decision["programme"] in ("dibao", "dibao_single") and decision["street_final"]:
        return "dibao_street_final"
    return None


def spot_sample(
    decisions: list[dict], *, shares: dict[str, Decimal], seed: int
) -> dict[str, list[int]]:
    """Pure: the application ids sampled per stratum — ceil(share × N) of each, drawn with
    ``random.Random(seed)`` from the ids in ascending order, so the same seed and the same
    decisions always give the same sample."""
    strata: dict[str, list[int]] = {}
    for d in decisions:
        s = _stratum(d)
        if s in shares:
            strata.setdefault(s, []).append(d["id"])
    rng = random.Random(seed)
    out = {}
    for s in sorted(strata):
        ids = sorted(strata[s])
        k = min(len(ids), math.ceil(Decimal(shares[s]) * len(ids) / 100))
        out[s] = sorted(rng.sample(ids, k))
    return out


def spot_plan_create(
    *,
    actor,
    name: str,
    area_code: str,
    period_start: datetime.date,
    period_end: datetime.date,
    shares: dict[str, Decimal],
    seed: int | None = None,
) -> SpotCheckPlan:
    """Create a plan and its sample: the decisions of the county (area) in the period, per
    stratum at the given percentages (特困 at least 30 %), each a county review task."""
    from jiuzhu.cases.selectors import decisions_between

    require_area(actor, Capability.SUPERVISE, area_code)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("计划名称：必填")]
    if period_end < period_start:
        errors["period_end"] = [_("决定日期至：不能早于起始日期")]
    if Decimal(shares.get("tekun", 0)) < 30:
        errors["tekun"] = [_("特困人员认定抽查比例：不得低于 30%")]
    for key, value in shares.items():
        if not Decimal(0) <= Decimal(value) <= Decimal(100):
            errors[key] = [_("抽查比例：须在 0 到 100 之间")]
    if errors:
        raise ServiceError(errors=errors)
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    from jiuzhu.areas.models import PREFIX_LENGTH, level_for_code

    prefix = area_code[: PREFIX_LENGTH[level_for_code(area_code)]]
    decisions = [
        d
        for d in decisions_between(start=period_start, end=period_end)
        if d["area_code"].startswith(prefix)
    ]
    sample = spot_sample(decisions, shares=shares, seed=seed)
    by_id = {d["id"]: d for d in decisions}
    population: dict[str, int] = {}
    for d in decisions:
        s = _stratum(d)
        if s in shares:
            population[s] = population.get(s, 0) + 1
    with transaction.atomic():
        plan = SpotCheckPlan.objects.create(
            name=name.strip()[:80],
            area_code=area_code,
            period_start=period_start,
            period_end=period_end,
            shares={k: str(v) for k, v in shares.items()},
            seed=seed,
            population=population,
            created_at=clock.now(),
            created_by=actor,
        )
        SpotCheckSample.objects.bulk_create(
            SpotCheckSample(
                plan=plan,
                stratum=s,
                application_id=i,
                application_number=by_id[i]["number"],
                area_code=by_id[i]["area_code"],
            )
            for s, ids in sample.items()
            for i in ids
        )
        audit_record(
            actor=actor,
            action="stats.spotcheck_plan",
            subject_type="stats_spotcheck_plan",
            subject_id=plan.pk,
            area_code=area_code,
            reason=plan.name,
            after={
                "seed": seed,
                "shares": plan.shares,
                "population": population,
                "sampled": {s: len(v) for s, v in sample.items()},
            },
        )
    return plan


def spot_result_record(
    *, actor, sample_id: int, result: str, note: str, version: int
) -> SpotCheckSample:
    """Record a review's conclusion (认定准确 / 存在问题, a note required for a problem)."""
    from jiuzhu.accounts.scoping import access

    if result not in (SpotResult.CORRECT, SpotResult.PROBLEM):
        raise ServiceError(_("复查结论：请选择认定准确或存在问题"), field="result")
    if result == SpotResult.PROBLEM and not note.strip():
        raise ServiceError(_("复查意见：存在问题时必须说明"), field="note")
    with transaction.atomic():
        sample = access(
            SpotCheckSample.objects.select_for_update(), actor, Capability.SUPERVISE, pk=sample_id
        )
        require_area(actor, Capability.CASE_APPROVE, sample.area_code)
        if sample.version != version:
            from jiuzhu.core.errors import ConcurrentEditError

            raise ConcurrentEditError()
        before = {"result": sample.result, "note": sample.note}
        SpotCheckSample.objects.filter(pk=sample.pk).update(
            result=result,
            note=note.strip()[:300],
            reviewed_at=clock.now(),
            reviewed_by=actor,
            version=F("version") + 1,
        )
        audit_record(
            actor=actor,
            action="stats.spotcheck_result",
            subject_type="application",
            subject_id=sample.application_id,
            area_code=sample.area_code,
            reason=note.strip()[:200] or result,
            before=before,
            after={"result": result},
        )
    sample.refresh_from_db()
    return sample


# ---------------------------------------------------------------- data quality

# An address parses when it names a place (镇/街道/乡/村/社区/路/街/巷/组) and a number (号/室/组…).
_PLACE = re.compile(r"(省|市|区|县|镇|乡|街道|村|社区|路|街|巷|大道|小区|组)")
_NUMBER = re.compile(r"\d|[一二三四五六七八九十百]+(号|组|幢|栋|室)")


def address_parses(address: str) -> bool:
    a = (address or "").strip()
    return len(a) >= 4 and bool(_PLACE.search(a)) and bool(_NUMBER.search(a))


def data_quality_refresh(*, today: datetime.date | None = None, actor=None) -> dict[str, int]:
    """Rebuild the data-quality worklist from the registry and the 核对 history."""
    from jiuzhu.registry.selectors import quality_frames
    from jiuzhu.verify.selectors import last_check_frame

    today = today or clock.today()
    year_ago = today - datetime.timedelta(days=365)
    households, persons = quality_frames()
    checks = last_check_frame()
    alive = persons.filter(~pl.col("dead"))
    no_id = alive.filter(~pl.col("has_id")).select(
        pl.lit(QualityKind.NO_ID.value).alias("kind"),
        "household_id",
        pl.col("id").alias("person_id"),
        "area_code",
    )
    # a phone not changed or confirmed for a year (the registry stamps the day it changes; a
    # phone without a date predates the stamp and counts as stale)
    stale_phone = (pl.col("phone").fill_null("") != "") & (
        pl.col("phone_updated").is_null() | (pl.col("phone_updated") < year_ago)
    )

    stale = pl.concat(
        [
            households.filter(stale_phone).select(
                pl.lit(QualityKind.STALE_PHONE.value).alias("kind"),
                pl.col("id").alias("household_id"),
                pl.lit(None, dtype=pl.Int64).alias("person_id"),
                "area_code",
            ),
            alive.filter(stale_phone).select(
                pl.lit(QualityKind.STALE_PHONE.value).alias("kind"),
                "household_id",
                pl.col("id").alias("person_id"),
                "area_code",
            ),
        ]
    )
    bad = households.filter(
        ~pl.col("address").fill_null("").map_elements(address_parses, return_dtype=pl.Boolean)
    ).select(
        pl.lit(QualityKind.BAD_ADDRESS.value).alias("kind"),
        pl.col("id").alias("household_id"),
        pl.lit(None, dtype=pl.Int64).alias("person_id"),
        "area_code",
    )
    unchecked = (
        households.join(checks, left_on="id", right_on="household_id", how="left")
        .filter(pl.col("checked").is_null() | (pl.col("checked") < year_ago))
        .select(
            pl.lit(QualityKind.NO_CHECK.value).alias("kind"),
            pl.col("id").alias("household_id"),
            pl.lit(None, dtype=pl.Int64).alias("person_id"),
            "area_code",
        )
    )
    items = pl.concat([no_id, stale, bad, unchecked]).with_columns(pl.lit(today).alias("found_on"))
    with transaction.atomic():
        DataQualityItem.objects.all().delete()
        write_frame(DataQualityItem._meta.db_table, items)
        counts = {k: int(v) for k, v in items.group_by("kind").len().iter_rows()}
        audit_record(
            actor=actor,
            action="stats.data_quality_refresh",
            area_code=NATIONAL,
            subject_type="stats_data_quality",
            subject_id=0,
            reason="数据质量检查",
            after=counts,
        )
    return counts
