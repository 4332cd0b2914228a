"""``jiuzhu policy load|run|simulate|schedule|compare``: programmes, 政策找人 and simulation."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core import clock
from jiuzhu.policy import selectors, services
from jiuzhu.policy.models import PolicyRun


class Command(BaseCommand):
    help = (
        "救助政策：load 载入项目和演示参数；run 政策找人；simulate 政策模拟；schedule 排入后台任务"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="载入随系统发布的项目定义和演示参数（泰州示例值）")
        r = sub.add_parser("run", help="对登记库运行政策找人并保存结果")
        r.add_argument("--date", help="评估日期，默认今天")
        r.add_argument("--area", default="", help="只运行这个区划及其下级")
        r.add_argument("--no-scores", action="store_true", help="不更新困难程度得分")
        s = sub.add_parser("simulate", help="政策模拟：参数调整后新增/退出的户数、人数和资金变化")
        s.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="参数调整，如 dibao.standard=750（可多次）",
        )
        s.add_argument("--area", default="", help="调整适用的区划（默认全国默认值）")
        s.add_argument("--from", dest="effective_from", help="调整生效日期，默认评估日期")
        s.add_argument("--date", help="评估日期，默认下月1日")
        s.add_argument("--json", action="store_true", help="输出 JSON")
        c = sub.add_parser(
            "schedule", help="把今天的政策找人排入后台任务队列（每晚的运行见 jiuzhu schedule）"
        )
        c.add_argument("--date")
        c.add_argument("--area", default="")
        c.add_argument(
            "--print-cron",
            action="store_true",
            help="只打印每晚政策找人的 cron 行（不用后台定时时）",
        )
        sub.add_parser("docs", help="由项目定义生成 docs/programmes.md 和 docs/policy-features.md")
        cmp_ = sub.add_parser("compare", help="比较两次运行：新增、退出、金额变化")
        cmp_.add_argument("run", type=int, nargs="?")
        cmp_.add_argument("previous", type=int, nargs="?")

    def handle(self, *args, **o):
        getattr(self, "do_" + o["action"])(o)

    def do_load(self, o):
        n = services.programmes_load()
        m = services.parameters_load_demo()
        self.stdout.write(f"项目定义更新 {n} 个；演示参数载入 {m} 条")

    def do_run(self, o):
        on = _date(o["date"]) or clock.today()
        run = services.policy_run(on=on, area_code=o["area"], update_scores=not o["no_scores"])
        self.stdout.write(f"政策找人 #{run.pk}：{run.households} 户，耗时 {run.timings}")
        for code, t in run.summary["totals"].items():
            self.stdout.write(
                f"  {code:28s} 符合 {t['eligible']:>8} 户  金额 {t['amount']:>14} "
                f"{t.get('unit', '元/月')}  "
                f"应保未保 {t['missed']:>6}  错保 {t['wrongly_included']:>6}  "
                f"金额不符 {t['amount_diff']:>6}"
            )
        labels = {"month": "按月发放", "year": "按年计", "once": "一次性"}
        for period, total in run.summary.get("by_period", {}).items():
            unit = services.PERIOD_UNITS.get(period, period)
            self.stdout.write(f"  合计（{labels.get(period, period)}项目）{total:>14} {unit}")

    def do_simulate(self, o):
        today = clock.today()
        on = _date(o["date"]) or (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        overrides = []
        for item in o["set"]:
            if "=" not in item:
                raise CommandError(f"--set 需要 NAME=VALUE：{item}")
            name, value = item.split("=", 1)
            overrides.append(
                {
                    "name": name.strip(),
                    "value": value.strip(),
                    "area_code": o["area"],
                    "effective_from": o["effective_from"],
                }
            )
        if not overrides:
            raise CommandError("至少给出一个 --set NAME=VALUE")
        res = services.simulate(on=on, overrides=overrides)
        table = res["table"]
        if o["json"]:
            self.stdout.write(
                json.dumps(
                    {"timings": res["timings"], "rows": table.to_dicts()},
                    default=str,
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        self.stdout.write(f"评估日期 {on}；耗时 {res['timings']}")
        agg = (
            table.group_by("programme")
            .agg([c for c in table.columns if c not in ("programme", "area")])
            .sort("programme")
        )
        for r in agg.iter_rows(named=True):
            self.stdout.write(
                f"  {r['programme']:28s} 新增 {sum(r['added_households']):>7} 户/"
                f"{sum(r['added_persons']):>7} 人  退出 {sum(r['removed_households']):>7} 户  "
                f"月资金变化 {sum(r['monthly_delta']):>14}  年 {sum(r['yearly_delta']):>16}"
            )

    def do_schedule(self, o):
        if o["print_cron"]:
            from jiuzhu.core.schedule import cron_line, job_get

            self.stdout.write(cron_line(job_get("policy_nightly")))
            return
        from jiuzhu.policy.tasks import policy_run_task

        on = (_date(o["date"]) or clock.today()).isoformat()
        result = policy_run_task.enqueue(on=on, area_code=o["area"])
        self.stdout.write(f"已排入后台任务 {result.id}（评估日期 {on}）")

    def do_docs(self, o):
        from django.conf import settings

        from jiuzhu.policy.docgen import write_docs

        for path in write_docs(settings.PROJECT_DIR / "docs"):
            self.stdout.write(f"写入 {path}")

    def do_compare(self, o):
        runs = list(PolicyRun.objects.filter(status="done").order_by("-id")[:2])
        run = PolicyRun.objects.get(pk=o["run"]) if o["run"] else (runs[0] if runs else None)
        prev = (
            PolicyRun.objects.get(pk=o["previous"])
            if o["previous"]
            else (runs[1] if len(runs) > 1 else None)
        )
        if run is None or prev is None:
            raise CommandError("需要两次已完成的运行")
        df = selectors.run_compare(run=run, previous=prev)
        self.stdout.write(f"#{run.pk} 相比 #{prev.pk}：")
        for r in df.iter_rows(named=True):
            self.stdout.write(
                f"  {r['programme']:28s} 新增 {r['added']:>7}  退出 {r['removed']:>7}"
                f"  金额变化 {r['changed']:>7}"
            )


def _date(s):
    return datetime.date.fromisoformat(s) if s else None
