"""The alert rules and risk classes a new site starts with (the migration seeds them)."""

from __future__ import annotations

RULES = [
    ("death", "在册人员死亡（公安死亡注销）", 3, []),
    ("income_above_line", "家庭人均收入超过低保标准", 10, []),
    ("new_asset", "新增车辆、企业或房产", 10, []),
    ("medical_spending", "自付医疗费用超预警线（因病致贫返贫）", 10, []),
    (
        "age_threshold",
        "年满16/18/60周岁",
        15,
        ["tekun", "dibao", "dibao_single", "orphan_allowance", "unsupported_child_allowance"],
    ),
    ("severe_disability", "新办重度残疾证", 10, []),
    ("school_change", "入学/学段变化", 15, []),
    ("school_leaving", "16周岁以上或受教育救助的学生离校", 15, []),
    ("hukou_move_out", "在册人员户籍迁出", 10, []),
    ("job_loss", "家庭成员失业（新领失业金）", 15, []),
    ("duplicate_benefit", "重复救助或互斥项目同时享受", 5, []),
    ("payment_mismatch", "发放数据与名册不符", 5, []),
    ("eligible_not_enrolled", "应保未保（政策找人）", 10, ["dibao", "dibao_single", "tekun"]),
    ("low_income_risk", "低收入家庭返贫致贫风险", 15, []),
    ("self_report", "群众主动申报家庭变化（收入、人口、住址、死亡）", 5, []),
    ("manual", "网格员上报（走访发现的困难或变化）", 3, []),
]
CLASSES = [
    ("A", "A类（高风险）", "open_alert", 1, 1),
    ("B", "B类（有劳动能力、收入不稳定）", "able_to_work", 3, 2),
    ("Y", "年审类（特困、收入稳定）", "stable", 12, 3),
    ("C", "C类（其他）", "other", 6, 4),
]


def ensure_defaults(AlertRule, RiskClass, kinds: tuple[str, ...] | None = None) -> None:  # noqa: N803
    """Create the default rules (of ``kinds``, else all) and risk classes where missing.

    Idempotent. Used by the data migrations and by tests after a transactional test has
    flushed the database."""
    from jiuzhu.monitoring.params import defaults

    for kind, name, days, programmes in RULES:
        if kinds is not None and kind not in kinds:
            continue
        AlertRule.objects.get_or_create(
            kind=kind,
            area_prefix="",
            name=name,
            defaults={"params": defaults(kind), "deadline_days": days, "programmes": programmes},
        )
    for code, label, criterion, interval, order in CLASSES:
        RiskClass.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "criterion": criterion,
                "interval_months": interval,
                "order": order,
            },
        )
