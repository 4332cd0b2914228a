"""Programmes one person (or household) may not receive at the same time.

One table, read by everything that looks at two rolls together: the policy engine's conditions
(``not eligible.tekun``), the payroll checks before release and the monitoring alert for
excluded combinations. Free of Django, like the rest of the engine.

Each pair names the rule it comes from. ``unit`` says at which level the two exclude each
other: ``person`` (the same ID on both rolls) or ``household`` (the same household on both).

How the engine enforces each pair (tests/policy/test_exclusions.py checks it):
- a condition ``not eligible.<other>`` in one of the two programmes (most pairs);
- ``ENFORCED_OTHERWISE`` below, for the pairs that hold person by person inside a household.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exclusion:
    first: str
    second: str
    unit: str  # "person" | "household"
    rule: str  # the article that says so, shown to the worker with the flag


EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion("dibao", "tekun", "person", "特困人员认定办法第四条：特困供养人员不再纳入低保"),
    Exclusion(
        "dibao_single", "tekun", "person", "特困人员认定办法第四条：特困供养人员不再纳入低保"
    ),
    Exclusion(
        "dibao", "dibao_edge", "household", "低保边缘家庭认定：已纳入低保的家庭不属于低保边缘"
    ),
    Exclusion("dibao_edge", "tekun", "person", "低保边缘家庭认定：特困供养人员不属于低保边缘"),
    Exclusion("dibao", "phase_out", "household", "低保办法第三十三条：渐退期家庭已退出低保"),
    Exclusion(
        "phase_out",
        "tekun",
        "household",
        "低保办法第三十三条：渐退适用于退出低保的家庭，不含特困供养",
    ),
    Exclusion(
        "dibao",
        "dibao_single",
        "household",
        "低保办法第八条：单人保只适用于不符合整户低保的低保边缘家庭成员",
    ),
    Exclusion(
        "dibao", "rigid_expense", "household", "刚性支出困难家庭认定办法第四条：不属于低保家庭"
    ),
    Exclusion(
        "rigid_expense", "tekun", "household", "刚性支出困难家庭认定办法第四条：不属于特困人员"
    ),
    Exclusion(
        "dibao_edge",
        "rigid_expense",
        "household",
        "刚性支出困难家庭认定办法第四条：不属于低保边缘家庭",
    ),
    Exclusion(
        "orphan_allowance",
        "unsupported_child_allowance",
        "person",
        "孤儿与事实无人抚养儿童基本生活费只能择一领取",
    ),
    Exclusion(
        "orphan_allowance",
        "tekun",
        "person",
        "特困人员认定办法第九条：选择孤儿保障的不再认定为特困",
    ),
    Exclusion(
        "unsupported_child_allowance",
        "tekun",
        "person",
        "特困人员认定办法第九条：选择事实无人抚养儿童保障的不再认定为特困",
    ),
)


# Pairs the engine enforces without a ``not eligible.…`` condition, and how.
ENFORCED_OTHERWISE: dict[frozenset[str], str] = {
    frozenset(("orphan_allowance", "unsupported_child_allowance")): (
        "登记库和计算器文档中每个儿童只有一个 child_status（孤儿或事实无人抚养，二者择一）；"
        "文档中的其他写法（旧的 orphan/unsupported_child 字段）被拒绝"
    ),
    frozenset(("orphan_allowance", "tekun")): (
        "按人排除：特困的受益人数与金额为 共同生活成员 − 孤儿 − 事实无人抚养儿童，照料护理也不计这些"
        "儿童（n_care_*）；全户都是这类儿童时 not_all_orphan_scheme 不通过。同一户可以同时有特困老人"
        "和领孤儿基本生活费的孙辈"
    ),
    frozenset(("tekun", "unsupported_child_allowance")): (
        "同上：事实无人抚养儿童不计入特困受益人数和金额"
    ),
}


def _key(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


_BY_PAIR: dict[frozenset[str], Exclusion] = {_key(e.first, e.second): e for e in EXCLUSIONS}


def exclusion_between(a: str, b: str) -> Exclusion | None:
    """The rule that forbids programmes ``a`` and ``b`` together, or None."""
    if a == b:
        return None
    return _BY_PAIR.get(_key(a, b))


def exclusions_within(programmes: set[str] | list[str]) -> list[Exclusion]:
    """Every exclusion broken by one person's (or household's) set of programmes."""
    progs = sorted(set(programmes))
    found = []
    for i, a in enumerate(progs):
        for b in progs[i + 1 :]:
            rule = exclusion_between(a, b)
            if rule is not None:
                found.append(rule)
    return found
