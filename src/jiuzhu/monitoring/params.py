"""Typed thresholds of each rule kind. An ``AlertRule.params`` dict is checked against these."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.core.errors import ServiceError
from jiuzhu.verify.feeds import VEHICLE_KIND_LABELS


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
class SchoolLeavingParams:
    statuses: tuple[str, ...] = ("graduated", "dropped_out", "suspended")  # 毕业、退学、休学
    min_age: int = 16  # from this age a member out of school counts as able to work
    roll_only: bool = True


@dataclass(frozen=True)
class MoveOutParams:
    within_county: bool = True  # also moves inside the county (a change of 属地, not an exit)


@dataclass(frozen=True)
class JobLossParams:
    new_within_months: int = 3  # the first month of unemployment benefit is this recent …
    quiet_months: int = 12  # … with none in this many months before it
    roll_households: bool = True  # households on a roll: review the amount
    off_roll_households: bool = True  # others in the registry: 低收入 risk, maybe 核增


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


@dataclass(frozen=True)
class LowIncomeParams:
    """低收入人口动态监测: the policy engine's watch list, and department income falling."""

    repeat_after_months: int = 6  # the same household is raised again at most this often
    use_watch_list: bool = True  # 政策找人's 监测预警 tier (poverty_watch), not on a basic roll
    trend: bool = True  # 人社 income (monthly rows) falling towards the 低保标准
    trend_kinds: tuple[str, ...] = ("wage", "pension")
    fall_months: int = 6  # compare the newest month with the oldest in this many months
    fall_share: str = "0.3"  # … fallen by at least this share (0–1) …
    near_multiplier: str = "1.5"  # … and per capita now at most this × the 低保标准


@dataclass(frozen=True)
class SelfReportParams:
    """主动申报 is raised by the citizen, not evaluated: only the deadline is configured."""


PARAMS = {
    "death": DeathParams,
    "income_above_line": IncomeParams,
    "new_asset": AssetParams,
    "medical_spending": MedicalParams,
    "age_threshold": AgeParams,
    "severe_disability": DisabilityParams,
    "school_change": SchoolParams,
    "school_leaving": SchoolLeavingParams,
    "hukou_move_out": MoveOutParams,
    "job_loss": JobLossParams,
    "duplicate_benefit": DuplicateParams,
    "payment_mismatch": PaymentParams,
    "eligible_not_enrolled": ListParams,
    "low_income_risk": LowIncomeParams,
    "self_report": SelfReportParams,
    "manual": SelfReportParams,  # a grid worker's report: raised, not evaluated (issue 19)
}


# What each threshold is called on the screens and in error messages.
LABELS = {
    "hold_payment": gettext_lazy("发现即暂停发放"),
    "multiplier": gettext_lazy("低保标准倍数"),
    "months": gettext_lazy("收入统计月数"),
    "kinds": gettext_lazy("人社收入类别"),
    "include_business": gettext_lazy("计入经营所得(税务)"),
    "use_policy_run": gettext_lazy("采用政策找人错保结果"),
    "departments": gettext_lazy("关注的部门"),
    "exempt_vehicle_types": gettext_lazy("不预警的车辆类型"),
    "lookback_days": gettext_lazy("只看最近天数登记(0=不限)"),
    "min_value_fen": gettext_lazy("最低价值(分)"),
    "monthly_line_fen": gettext_lazy("月自付预警线(分)"),
    "yearly_line_fen": gettext_lazy("12个月自付预警线(分)"),
    "roll_only": gettext_lazy("只看在保家庭"),
    "ages": gettext_lazy("关注的年龄"),
    "max_grade": gettext_lazy("最高残疾等级(含)"),
    "statuses": gettext_lazy("离校状态"),
    "min_age": gettext_lazy("最低年龄(周岁)"),
    "within_county": gettext_lazy("县内迁移也预警"),
    "new_within_months": gettext_lazy("首次领失业金在最近月数内"),
    "quiet_months": gettext_lazy("此前无失业金的月数"),
    "roll_households": gettext_lazy("在保家庭(复核金额)"),
    "off_roll_households": gettext_lazy("未在保家庭(低收入风险)"),
    "include_duplicate_pairs": gettext_lazy("含疑似重复人员"),
    "min_difference_fen": gettext_lazy("最小差额(分)"),
    "repeat_after_months": gettext_lazy("同一家庭再次预警间隔(月)"),
    "use_watch_list": gettext_lazy("采用政策找人监测名单"),
    "trend": gettext_lazy("监测部门收入下降"),
    "trend_kinds": gettext_lazy("计入的人社收入类别"),
    "fall_months": gettext_lazy("收入下降观察月数"),
    "fall_share": gettext_lazy("收入下降比例(0至1)"),
    "near_multiplier": gettext_lazy("人均收入不高于低保标准倍数"),
}
# Shares: a number above 0 and at most 1.
SHARES = {"fall_share"}
# Allowed values of list thresholds (codes as the department feeds write them).
CHOICES = {
    "kinds": ("wage", "pension", "unemployment", "contribution"),
    "trend_kinds": ("wage", "pension", "unemployment"),
    "departments": ("vehicles", "market", "property"),
    "exempt_vehicle_types": ("car", "truck", "motorcycle", "disability_scooter"),
    "statuses": ("graduated", "dropped_out", "suspended", "transferred_out"),
}


def label(name: str) -> str:
    return f"{LABELS.get(name, name)}({name})"


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
            _("阈值参数中有本规则类型不认识的项：%(keys)s") % {"keys": "、".join(unknown)},
            field="params",
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
                allowed = CHOICES.get(name)
                wrong = [str(v) for v in value if allowed and v not in allowed]
                if wrong:
                    raise ServiceError(
                        _("阈值参数“%(name)s”中的“%(wrong)s”不是允许值（可选：%(allowed)s）")
                        % {
                            "name": label(name),
                            "wrong": "、".join(wrong),
                            "allowed": "、".join(allowed),
                        },
                        field="params",
                    )
            elif isinstance(default, str):
                from decimal import Decimal

                d = Decimal(str(value))
                if not d.is_finite() or d <= 0 or (name in SHARES and d > 1):
                    raise ValueError
                value = str(d)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ServiceError(
                _("阈值参数“%(name)s”的值“%(value)s”无效：应为%(expected)s")
                % {
                    "name": label(name),
                    "value": value,
                    "expected": _("大于0且不大于1的数") if name in SHARES else _type_name(default),
                },
                field="params",
            ) from exc
        values[name] = value
    return dataclasses.replace(base, **values)


def _type_name(default) -> str:
    if isinstance(default, bool):
        return _("true 或 false")
    if isinstance(default, int):
        return _("不小于0的整数")
    if isinstance(default, tuple):
        return _("列表")
    return _("大于0的数")


# ------------------------------------------------------------------------ the settings form

CHOICE_LABELS = {
    "wage": gettext_lazy("工资"),
    "pension": gettext_lazy("养老金"),
    "unemployment": gettext_lazy("失业金"),
    "contribution": gettext_lazy("社保缴费"),
    "vehicles": gettext_lazy("车管(车辆)"),
    "market": gettext_lazy("市场监管(企业)"),
    "property": gettext_lazy("不动产(房产)"),
    **{code: gettext_lazy(text) for code, text in VEHICLE_KIND_LABELS.items()},  # noqa: INT001
    "graduated": gettext_lazy("毕业"),
    "dropped_out": gettext_lazy("退学"),
    "suspended": gettext_lazy("休学"),
    "transferred_out": gettext_lazy("转出"),
}


@dataclass(frozen=True)
class ParamField:
    """One threshold as the settings form shows it."""

    name: str
    label: str
    widget: str  # bool, int, number, choices (tick boxes), list (comma-separated)
    value: object
    choices: tuple[tuple[str, str], ...] = ()


def form_fields(kind: str, values: dict | None = None) -> list[ParamField]:
    """The thresholds of ``kind`` as form fields, showing ``values`` (defaults where missing)."""
    base = PARAMS[kind]()
    values = {**defaults(kind), **(values or {})}
    out = []
    for f in dataclasses.fields(PARAMS[kind]):
        default = getattr(base, f.name)
        value = values.get(f.name, default)
        choices: tuple[tuple[str, str], ...] = ()
        if isinstance(default, bool):
            widget = "bool"
        elif isinstance(default, int):
            widget = "int"
        elif isinstance(default, tuple) and f.name in CHOICES:
            widget = "choices"
            choices = tuple((c, CHOICE_LABELS.get(c, c)) for c in CHOICES[f.name])
            value = [str(v) for v in (value or [])]
        elif isinstance(default, tuple):
            widget = "list"
            value = "，".join(str(v) for v in (value or []))
        else:
            widget = "number"
        out.append(ParamField(f.name, LABELS.get(f.name, f.name), widget, value, choices))
    return out


def from_form(kind: str, data) -> dict:
    """Raw thresholds from the settings form (``p__<name>`` fields); ``parse`` checks them."""
    raw: dict = {}
    for f in form_fields(kind):
        key = f"p__{f.name}"
        if f.widget == "bool":
            raw[f.name] = data.get(key) == "on"
        elif f.widget == "choices":
            raw[f.name] = list(data.getlist(key))
        elif f.widget == "list":
            text = (data.get(key) or "").replace("，", ",").replace("、", ",")
            raw[f.name] = [x.strip() for x in text.split(",") if x.strip()]
        else:
            value = (data.get(key) or "").strip()
            if value == "":
                raise ServiceError(
                    _("阈值参数“%(name)s”不能为空") % {"name": label(f.name)}, field="params"
                )
            raw[f.name] = value
    return raw
