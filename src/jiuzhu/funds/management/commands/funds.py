"""`jiuzhu funds …`: payrolls and their data from the command line.

jiuzhu funds generate --programme dibao --area 321202000000 --month 2026-11
jiuzhu funds accounts-synth --seed 2026 [--area CODE] [--plant N --truth FILE]
jiuzhu funds demo-return PAYROLL_ID --fail 3 --out FILE [--profile ID]
jiuzhu funds cutover --area CODE --paid-through 2026-10 [--programme dibao]
jiuzhu funds recoveries            # paid lines after a death → 追缴 records
jiuzhu funds demo                  # the demo's accounts, budget and two planted cases
"""

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.errors import ServiceError


def _month(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text[:7] + "-01")
    except ValueError as exc:
        raise CommandError(f"月份格式应为 YYYY-MM：{text}") from exc


def _synthetic(name: str, command: str):
    """A helper lent by the demo app (``jiuzhu.funds.synthetic_hooks``)."""
    from jiuzhu.funds.synthetic_hooks import SYNTHETIC

    if name not in SYNTHETIC:
        raise CommandError(
            f"“jiuzhu funds {command}”需要演示与合成数据包（jiuzhu.demo），本系统未安装该包"
        )
    return SYNTHETIC[name]


class Command(BaseCommand):
    help = "资金发放：生成发放批次、合成发放账户、演示回盘文件、切换月、追缴。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        g = sub.add_parser("generate", help="生成（或重新生成草稿）发放批次")
        g.add_argument("--programme", default="dibao")
        g.add_argument("--area", required=True)
        g.add_argument("--month", required=True)
        a = sub.add_parser("accounts-synth", help="为名册上的家庭生成合成发放账户，可埋设错误")
        a.add_argument("--seed", type=int, default=2026)
        a.add_argument("--area", default="")
        a.add_argument("--programme", default="dibao")
        a.add_argument("--plant", type=int, default=0, help="每类埋设的错误数")
        a.add_argument("--month", default="")
        a.add_argument("--truth", default="", help="埋设错误的真值 JSON 文件")
        r = sub.add_parser("demo-return", help="为已拨付批次生成银行回盘文件（演示/测试）")
        r.add_argument("payroll", type=int)
        r.add_argument("--fail", type=int, default=0)
        r.add_argument("--seed", type=int, default=0)
        r.add_argument("--profile", type=int, default=None)
        r.add_argument("--out", required=True)
        c = sub.add_parser("cutover", help="设定原系统已发放至哪个月（导入名册不再补发此前月份）")
        c.add_argument("--area", required=True)
        c.add_argument("--paid-through", required=True)
        c.add_argument("--programme", default="")
        sub.add_parser("recoveries", help="已到账但在死亡之后的月份 → 追缴记录")
        sub.add_parser("demo", help="演示：发放账户、预算与两处埋设（死亡报告、重复发放）")

    def handle(self, *args, action, **o):
        try:
            getattr(self, "_" + action.replace("-", "_"))(**o)
        except ServiceError as exc:
            raise CommandError(exc.text()) from exc

    def _generate(self, *, programme, area, month, **_):
        from jiuzhu.funds.services import payroll_generate

        p = payroll_generate(actor=None, programme=programme, area_code=area, month=_month(month))
        self.stdout.write(
            f"{p.number}：{p.line_count} 笔 {p.total_amount} 元，暂停 {p.held_count} 笔，"
            f"提示 {p.flagged_count} 笔，摘要 {p.digest[:12]}（id {p.pk}）"
        )

    def _accounts_synth(self, *, seed, area, programme, plant, month, truth, **_):
        accounts_synth = _synthetic("accounts_synth", "accounts-synth")
        result = accounts_synth(
            seed=seed,
            area_code=area,
            programme=programme,
            plant=plant,
            month=_month(month) if month else None,
        )
        self.stdout.write(f"新建发放账户 {result['accounts']} 个；埋设 {len(result['truth'])} 处")
        if truth:
            Path(truth).write_text(json.dumps(result["truth"], ensure_ascii=False, indent=1))

    def _demo_return(self, *, payroll, fail, seed, profile, out, **_):
        from jiuzhu.funds.models import BankProfile, Payroll

        return_file_for = _synthetic("return_file_for", "demo-return")

        p = Payroll.objects.get(pk=payroll)
        if p.status != "released":
            raise CommandError(f"批次 {p.number} 尚未拨付（{p.get_status_display()}）")
        prof = BankProfile.objects.get(pk=profile) if profile else None
        data = return_file_for(p, fail=fail, profile=prof, seed=seed)
        Path(out).write_bytes(data)
        self.stdout.write(f"回盘文件已写入 {out}（失败 {fail} 笔）")

    def _cutover(self, *, area, paid_through, programme, **_):
        from jiuzhu.funds.services import cutover_set

        c = cutover_set(
            actor=None, area_code=area, paid_through=_month(paid_through), programme=programme
        )
        self.stdout.write(f"切换月：{c}")

    def _recoveries(self, **_):
        from jiuzhu.funds.services import recoveries_detect

        self.stdout.write(f"新建追缴记录 {recoveries_detect()} 条")

    def _demo(self, **_):
        funds_demo = _synthetic("funds_demo", "demo")
        self.stdout.write(json.dumps(funds_demo(), ensure_ascii=False, default=str))
