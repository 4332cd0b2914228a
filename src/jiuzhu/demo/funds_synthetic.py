"""Synthetic payment accounts for the synthetic county, planted payment errors, and their recall.

``accounts_synth`` gives every household on a roll (in an area) a deterministic 社会化发放 account
(same seed → same accounts). With ``plant`` it also plants, in households chosen by the seed, the
errors the payroll checks must catch, and returns the ground truth:

* ``dead``      the payee (head of household) died two months before the payroll month;
* ``duplicate`` the household's roll entry is on the roll twice (the same person paid twice);
* ``excluded``  the head is also put on 特困 (excluded with 低保, 特困人员认定办法第四条);
* ``shared``    the household is paid into another, unrelated household's account.

``planted_recall`` then checks each planted case against the generated payrolls: the first three
must be *held*, the shared account *flagged*. ``jiuzhu bench payments`` prints the result.
``plant_cases`` plants chosen kinds alone (no accounts needed unless ``shared`` is among them):
the monitoring benchmark uses it for its duplicate-payment cases.
"""

from __future__ import annotations

import datetime
import hashlib
import random

import polars as pl
from django.db import transaction

from jiuzhu.audit.services import audit_record
from jiuzhu.core import clock
from jiuzhu.funds.accountcheck import luhn_check_digit
from jiuzhu.funds.generation import area_prefix, month_from_index, month_index
from jiuzhu.funds.models import PaymentAccount, PayrollLine
from jiuzhu.funds.services.accounts import accounts_active_households, accounts_bulk_insert
from jiuzhu.policy.engine.exclusions import EXCLUSIONS
from jiuzhu.registry import frames as registry_frames
from jiuzhu.registry.models import Person, RollEntry

BANKS = [
    "江苏泰州农村商业银行",
    "中国农业银行泰州分行",
    "中国邮政储蓄银行泰州分行",
    "中国工商银行泰州分行",
]
PLANT_KINDS = ("dead", "duplicate", "excluded", "shared")


def account_number(seed: int, household_id: int, salt: str = "") -> str:
    digest = hashlib.sha256(f"{seed}:{household_id}:{salt}".encode()).hexdigest()
    body = "6228" + str(int(digest[:16], 16))[:14].zfill(14)
    return body + luhn_check_digit(body)  # a 19-digit card number that passes the Luhn check


def accounts_synth(
    *,
    seed: int,
    area_code: str = "",
    programme: str = "dibao",
    plant: int = 0,
    month: datetime.date | None = None,
) -> dict:
    """Accounts for every household on ``programme``'s roll without one; plant ``plant`` cases of
    each kind. Returns {"accounts": n, "truth": [{kind, household_id, entry_id, …}]}."""
    area_range = _area_range(area_code)
    hh = registry_frames.roll_households(area_range).join(
        accounts_active_households(), on="household_id", how="anti", maintain_order="left"
    )
    accounts = hh.with_columns(
        pl.col("household_id")
        .map_elements(lambda i: account_number(seed, i), return_dtype=pl.Utf8)
        .alias("account_number"),
        pl.col("household_id")
        .map_elements(lambda i: BANKS[i % len(BANKS)], return_dtype=pl.Utf8)
        .alias("bank_name"),
    )
    truth: list[dict] = []
    with transaction.atomic():
        accounts_bulk_insert(accounts)
        if plant:
            truth = plant_cases(
                seed=seed, n=plant, area_code=area_code, programme=programme, month=month
            )
        audit_record(
            actor=None,
            action="funds.accounts_synth",
            subject_type="payment_account",
            subject_id=f"seed:{seed}",
            area_code=area_code,
            after={"accounts": accounts.height, "planted": len(truth)},
        )
    return {"accounts": accounts.height, "truth": truth}


def _area_range(area_code: str) -> list[str] | None:
    prefix = area_prefix(area_code) if area_code else ""
    if not prefix:
        return None
    from jiuzhu.accounts.scoping import prefix_end

    return [prefix, prefix_end(prefix)]


def excluded_partner(programme: str) -> str:
    """The first programme that excludes ``programme`` person by person (dibao → tekun)."""
    for e in EXCLUSIONS:
        if e.unit == "person" and programme in (e.first, e.second):
            return e.second if e.first == programme else e.first
    raise ValueError(f"no programme excludes {programme} person by person")


def plant_cases(
    *,
    seed: int,
    n: int,
    kinds: tuple[str, ...] = PLANT_KINDS,
    area_code: str = "",
    programme: str = "dibao",
    month: datetime.date | None = None,
) -> list[dict]:
    """Plant ``n`` cases of each of ``kinds`` in households of ``programme``'s roll chosen by
    ``seed``; returns the truth [{kind, household_id, entry_id, …}] (``shared`` needs accounts)."""
    with transaction.atomic():
        return _plant(
            random.Random(seed),
            kinds=kinds,
            area_range=_area_range(area_code),
            programme=programme,
            n=n,
            month=month or clock.today().replace(day=1),
        )


def _plant(rnd, *, kinds, area_range, programme, n, month) -> list[dict]:
    candidates = registry_frames.roll_heads(programme, area_range).unique(
        "household_id", keep="first", maintain_order=True
    )
    rows = candidates.rows()
    need = n * len(kinds) + (n if "shared" in kinds else 0)
    if len(rows) < need:
        raise ValueError(f"roll too small to plant {n} cases of each kind ({len(rows)} households)")
    picked = rnd.sample(rows, need)
    truth = []
    death = month_from_index(month_index(month) - 2) + datetime.timedelta(days=9)
    for i, kind in enumerate(kinds):
        for entry_id, hh, head in picked[i * n : (i + 1) * n]:
            item = {"kind": kind, "household_id": hh, "entry_id": entry_id}
            if kind == "dead":
                Person.objects.filter(pk=head).update(death_date=death)
            elif kind == "duplicate":
                e = RollEntry.objects.get(pk=entry_id)
                e.pk = None
                e.source = "import"
                e.save()
                item["entry_id"] = e.pk  # the second entry is the one to hold
            elif kind == "excluded":
                e = RollEntry.objects.create(
                    household_id=hh,
                    person_id=head,
                    programme=excluded_partner(programme),
                    monthly_amount=1200,
                    start_month=month_from_index(month_index(month) - 3),
                    source="import",
                )
                item["other_entry_id"] = e.pk
            elif kind == "shared":
                donor = picked[len(kinds) * n + (i % n)][1] if n else None
                donor_acct = PaymentAccount.objects.filter(household_id=donor, active=True).first()
                PaymentAccount.objects.filter(household_id=hh, active=True).update(
                    account_number=donor_acct.account_number
                )
                item["other_household_id"] = donor
            truth.append(item)
    return truth


def planted_recall(truth: list[dict], payroll_ids: list[int]) -> dict:
    """For each planted kind: how many were caught (held, or flagged for shared accounts)."""
    lines = {
        (ln.roll_entry_id): ln
        for ln in PayrollLine.objects.filter(payroll_id__in=payroll_ids).only(
            "roll_entry_id", "status", "flags", "household_id"
        )
    }
    by_hh: dict[int, list] = {}
    for ln in lines.values():
        by_hh.setdefault(ln.household_id, []).append(ln)
    out = {k: {"planted": 0, "caught": 0, "missed": []} for k in PLANT_KINDS}
    code = {
        "dead": "dead",
        "duplicate": "duplicate",
        "excluded": "excluded",
        "shared": "shared_account",
    }
    for t in truth:
        k = t["kind"]
        out[k]["planted"] += 1
        ln = lines.get(t["entry_id"])
        ok = False
        if ln is not None:
            codes = {f["code"] for f in ln.flags}
            ok = code[k] in codes and (k == "shared" or ln.status == "held")
        if ok:
            out[k]["caught"] += 1
        else:
            out[k]["missed"].append(t)
    for k in out:
        p = out[k]["planted"]
        out[k]["recall"] = out[k]["caught"] / p if p else None
    return out


def return_file_for(payroll, *, fail: int = 0, profile=None, seed: int = 0) -> bytes:
    """A bank return file for a released payroll (demo and benchmarks): every sent line 成功
    except ``fail`` lines (chosen by ``seed``; 0 = the first ones), failed with the three
    reasons in turn."""
    from jiuzhu.funds import bankfiles
    from jiuzhu.funds.services.bank import _sent_frame, default_profile

    profile = profile or default_profile()
    frame = _sent_frame(payroll, profile).filter(pl.col("status") == "sent")
    n = min(fail, frame.height)
    chosen = set(random.Random(seed).sample(range(frame.height), n)) if seed else set(range(n))
    reasons = ["账号错误", "账户已销户", "户名不符"]
    failed_rank = {i: r for r, i in enumerate(sorted(chosen))}
    reason_col = [
        reasons[failed_rank[i] % 3] if i in failed_rank else "" for i in range(frame.height)
    ]
    frame = frame.with_columns(pl.Series("_reason", reason_col, dtype=pl.Utf8))
    return bankfiles.write_file(
        profile,
        frame,
        extra=[
            (
                profile.result_header,
                pl.when(pl.col("_reason") == "").then(pl.lit("成功")).otherwise(pl.lit("失败")),
            ),
            (profile.reason_header, pl.col("_reason")),
        ],
    )
