"""Typed thresholds of each rule kind. An ``AlertRule.params`` dict is checked against these."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from jiuzhu.core.errors import ServiceError


@dataclass(frozen=True)
class DeathParams:
    hold_payment: bool = True  # place a payment hold on the dead person's line at once


@dataclass(frozen=True)
class IncomeParams:
    multiplier: str = "1.0"  # × the 低保标准 of the household's area (policy parameter)
    months: int = 12  # look-back window of department income
    kinds: tuple[str, ...] = ("wage", "pension", "unemployment")
    include_business: bool = True  # 税务 经营所得 (yearly) counted as income
    use_policy_run: bool = True  # also 政策找人's 错保 for income (registry income, recalculated)


@dataclass(frozen=True)
class AssetParams:
    departments: tuple[str, ...] = ("vehicles", "market", "property")
    exempt_vehicle_types: tuple[str, ...] = ("motorcycle", "disability_scooter")
    lookback_days: int = 0  # only registrations this recent (0: any undeclared, newly reported)
    min_value_fen: int = 0


@dataclass(frozen=True)
class MedicalParams:
    monthly_line_fen: int = 500_000  # 自付医疗费用预警线 per month (5,000 yuan, demo default)
    yearly_line_fen: int = 1_000_000  # and per 12 months (10,000 yuan)
    roll_only: bool = False  # False: every household in the registry (致贫 as well as 返贫)


@dataclass(frozen=True)
class AgeParams:
    ages: tuple[int, ...] = (16, 18, 60)


@dataclass(frozen=True)
class DisabilityParams:
    max_grade: int = 2  # grade 1–2 = 重度


@dataclass(frozen=True)
class SchoolParams:
    roll_only: bool = True


@dataclass(frozen=True)
class DuplicateParams:
    include_duplicate_pairs: bool = True  # open 疑似重复人员 pairs from verification


@dataclass(frozen=True)
class PaymentParams:
    min_difference_fen: int = 1


@dataclass(frozen=True)
class ListParams:
    """Rules fed by the policy engine's lists (政策找人)."""

    repeat_after_months: int = 6  # the same household is raised again at most this often


PARAMS = {
    "death": DeathParams,
    "income_above_line": IncomeParams,
    "new_asset": AssetParams,
    "medical_spending": MedicalParams,
    "age_threshold": AgeParams,
    "severe_disability": DisabilityParams,
    "school_change": SchoolParams,
    "duplicate_benefit": DuplicateParams,
    "payment_mismatch": PaymentParams,
    "eligible_not_enrolled": ListParams,
    "low_income_risk": ListParams,
}


def defaults(kind: str) -> dict:
    return dataclasses.asdict(PARAMS[kind]())


def parse(kind: str, raw: dict | None):
    """The typed parameters of ``kind`` from ``raw`` (missing keys take the defaults).

    A wrong key or a value of the wrong type is a ``ServiceError`` naming the field.
    """
    cls = PARAMS[kind]
    raw = dict(raw or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ServiceError(
            f"阈值参数中有本规则类型不认识的项：{'、'.join(unknown)}", field="params"
        )
    values = {}
    base = cls()
    for name in fields:
        if name not in raw:
            continue
        default = getattr(base, name)
        value = raw[name]
        try:
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError
            elif isinstance(default, int):
                if isinstance(value, bool) or int(value) != value and not isinstance(value, str):
                    raise TypeError
                value = int(value)
                if value < 0:
                    raise ValueError
            elif isinstance(default, tuple):
                if not isinstance(value, (list, tuple)):
                    raise TypeError
                value = tuple(type(default[0])(v) if default else v for v in value)
            elif isinstance(default, str):
                from decimal import Decimal

                d = Decimal(str(value))
                if not d.is_finite() or d <= 0:
                    raise ValueError
                value = str(d)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ServiceError(
                f"阈值参数“{name}”的值“{value}”无效：应为{_type_name(default)}",
                field="params",
            ) from exc
        values[name] = value
    return dataclasses.replace(base, **values)


def _type_name(default) -> str:
    if isinstance(default, bool):
        return "true 或 false"
    if isinstance(default, int):
        return "不小于0的整数"
    if isinstance(default, tuple):
        return "列表"
    return "大于0的数"
