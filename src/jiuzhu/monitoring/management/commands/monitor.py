"""``jiuzhu monitor run|nightly|escalate|reviews|demo-death-file|schedule|cron|enqueue``."""

import datetime
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "监测预警：run 运行预警规则；nightly 每晚任务；escalate 逾期升级；reviews 生成复核任务；"
        "schedule 排定全部定时任务（同 jiuzhu schedule）；demo-death-file 演示死亡数据"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        r = sub.add_parser("run", help="运行预警规则（默认增量：只看上次以来的变化）")
        r.add_argument("--full", action="store_true", help="全量重新运行")
        r.add_argument("--date", help="评估日期，默认今天")
        n = sub.add_parser("nightly", help="每晚任务：增量运行 + 逾期升级 + 本月复核任务")
        n.add_argument("--date")
        sub.add_parser("escalate", help="把逾期未处理的预警升级到上一级")
        v = sub.add_parser("reviews", help="生成某月的动态复核任务（可重复执行）")
        v.add_argument("--month", help="YYYY-MM，默认本月")
        d = sub.add_parser("demo-death-file", help="生成公安死亡注销演示文件（演示名册上的人员）")
        d.add_argument("--out", required=True)
        s = sub.add_parser(
            "schedule", help="同 jiuzhu schedule：由后台任务进程按时运行全部定时任务（可重复执行）"
        )
        s.add_argument("--cancel", action="store_true", help="取消（改用 cron 时）")
        sub.add_parser("cron", help="同 jiuzhu schedule --cron：打印全部定时任务的 cron 行")
        e = sub.add_parser("enqueue", help="把预警运行排入后台任务队列（db_worker 执行）")
        e.add_argument("--full", action="store_true")
        e.add_argument("--nightly", action="store_true", help="排入完整的每晚任务")

    def handle(self, *args, **o):
        getattr(self, "do_" + o["action"].replace("-", "_"))(o)

    def do_run(self, o):
        from jiuzhu.monitoring.services import monitor_run

        run = monitor_run(full=o["full"], trigger="cli", on=_date(o["date"]))
        self.stdout.write(_run_text(run))

    def do_nightly(self, o):
        from jiuzhu.monitoring.nightly import nightly

        r = nightly(today=_date(o["date"]))
        self.stdout.write(
            f"预警运行 #{r['run']}：新增 {r['created']}，并入 {r['merged']}；"
            f"升级 {r['escalated']} 条；本月复核任务 {r['reviews']} 条"
        )

    def do_escalate(self, o):
        from jiuzhu.monitoring.services import alerts_escalate

        self.stdout.write(f"升级逾期预警 {alerts_escalate()} 条")

    def do_reviews(self, o):
        from jiuzhu.monitoring.reviews import review_tasks_generate

        month = None
        if o["month"]:
            try:
                month = datetime.date.fromisoformat(o["month"] + "-01")
            except ValueError as exc:
                raise CommandError(f"--month “{o['month']}”应为 YYYY-MM") from exc
        self.stdout.write(f"生成复核任务 {review_tasks_generate(month=month)} 条")

    def do_demo_death_file(self, o):
        from jiuzhu.monitoring.synthetic_hooks import SYNTHETIC

        if "death_file" not in SYNTHETIC:
            raise CommandError(
                "“jiuzhu monitor demo-death-file”需要演示与合成数据包（jiuzhu.demo），本系统未安装该包"
            )
        data, people = SYNTHETIC["death_file"]()
        if not people:
            raise CommandError("演示名册上没有可用人员（请先运行 jiuzhu demo 载入演示数据）")
        Path(o["out"]).write_bytes(data)
        self.stdout.write(f"已写出 {o['out']}：{len(people)} 条死亡注销记录")
        for p in people:
            self.stdout.write(f"  {p.name}  家庭 {p.household.number}  {p.household.hukou_area_id}")
        self.stdout.write(f"导入：jiuzhu import feed police {o['out']}")

    def do_schedule(self, o):
        call_command("schedule", *(["--cancel"] if o["cancel"] else []), stdout=self.stdout)

    def do_cron(self, o):
        call_command("schedule", "--cron", stdout=self.stdout)

    def do_enqueue(self, o):
        from jiuzhu.monitoring.tasks import monitor_nightly_task, monitor_run_task

        if o["nightly"]:
            result = monitor_nightly_task.enqueue()
        else:
            result = monitor_run_task.enqueue(trigger="cli", full=o["full"])
        self.stdout.write(f"已排入后台任务 {result.id}")


def _date(value):
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期“{value}”应为 YYYY-MM-DD") from exc


def _run_text(run) -> str:
    counts = "，".join(f"{k} {v}" for k, v in sorted(run.counts.items())) or "无"
    return (
        f"预警运行 #{run.pk}（{run.get_kind_display()}）：新增 {run.alerts_created} 条，"
        f"并入已有 {run.alerts_merged} 条；{counts}；耗时 {run.timings.get('total')} 秒"
    )
