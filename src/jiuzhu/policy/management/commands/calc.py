"""``jiuzhu calc FILE.json --area CODE --date DATE [--params FILE]``: the calculator, JSON out."""

import datetime
import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

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
        on = datetime.date.fromisoformat(o["date"]) if o["date"] else clock.today()
        overrides = _load(o["params"]) if o["params"] else None
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
