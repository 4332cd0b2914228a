"""``jiuzhu calc FILE.json --area CODE --date DATE [--params FILE]``: the calculator, JSON out."""

import datetime
import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from jiuzhu.core import clock
from jiuzhu.policy import selectors
from jiuzhu.policy.engine.calculator import DocumentError


def _load(path: str):
    text = Path(path).read_text(encoding="utf-8")
    return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)


class Command(BaseCommand):
    help = "政策计算器：对一个家庭（JSON 文档或登记库中的家庭）逐项目测算，输出 JSON。"

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", help="家庭 JSON/YAML 文档（格式见 docs/policy-calculator.md）"
        )
        parser.add_argument("--household", type=int, help="改为测算登记库中的家庭（ID）")
        parser.add_argument("--area", help="区划代码（12 位），决定适用的参数")
        parser.add_argument("--date", help="评估日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--params", help="参数覆盖文件（JSON/YAML：参数名 → 值）")
        parser.add_argument("--brief", action="store_true", help="只输出每个项目的结论和金额")

    def handle(self, *args, **o):
        _require_migrated()
        try:
            on = datetime.date.fromisoformat(o["date"]) if o["date"] else clock.today()
        except ValueError:
            raise CommandError(f"--date 必须是 YYYY-MM-DD 格式的日期，收到 {o['date']!r}") from None
        overrides = _load(o["params"]) if o["params"] else None
        if o["area"] and not o["household"]:
            _require_area(o["area"])
        try:
            if o["household"]:
                result = selectors.calculate_household(
                    household_id=o["household"], on=on, overrides=overrides
                )
            else:
                if not o["file"] or not o["area"]:
                    raise CommandError("需要 FILE 和 --area（或 --household ID）")
                result = selectors.calculate_document(
                    doc=_load(o["file"]), area_code=o["area"], on=on, overrides=overrides
                )
        except (DocumentError, ValueError, LookupError) as exc:
            raise CommandError(str(exc)) from None
        if o["brief"]:
            result = {
                p["programme"]: {
                    "eligible": p["eligible"],
                    "amount": p["amount"],
                    "failed": p["failed"],
                }
                for p in result["programmes"]
            }
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))


def _require_migrated() -> None:
    """A database without the tables gives a clear instruction, not a 'no such table' trace."""
    from jiuzhu.areas.models import Area
    from jiuzhu.policy.models import ParameterValue, Programme

    needed = {m._meta.db_table for m in (Area, ParameterValue, Programme)}
    missing = needed - set(connection.introspection.table_names())
    if missing:
        raise CommandError(
            "数据库尚未初始化（缺少数据表 "
            + ", ".join(sorted(missing))
            + "）：请先运行 jiuzhu migrate（演示数据：jiuzhu demo）"
        )


def _require_area(code: str) -> None:
    """``--area`` must be a known 12-digit code: an unknown one would silently fall back to the
    national defaults."""
    from jiuzhu.areas.models import Area

    if not (len(code) == 12 and code.isdigit()):
        raise CommandError(f"--area 必须是 12 位数字的区划代码，收到 {code!r}")
    if not Area.objects.filter(code=code).exists():
        raise CommandError(
            f"--area {code}：区划库中没有这个区划代码（请先导入区划：jiuzhu migrate 会载入全国区划；"
            "演示区划：jiuzhu demo）"
        )
