"""``jiuzhu schedule [JOB …] [--list | --cancel | --cron | --run JOB]``: the recurring jobs."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiuzhu.core.schedule import (
    JOBS,
    UnknownJob,
    cron_lines,
    schedule_cancel,
    schedule_ensure,
    schedule_next,
    schedule_recover,
    schedule_run_now,
)

STATUS = {"SUCCESSFUL": "成功", "FAILED": "失败"}


class Command(BaseCommand):
    help = (
        "定时任务（由后台任务进程 db_worker 按时运行）：不带参数时排定全部（可重复执行，"
        "每次启动后台任务进程前运行）；--list 查看；--cancel 取消；--cron 打印 cron 行；"
        "--run 立即运行一个"
    )

    def add_arguments(self, parser):
        parser.add_argument("jobs", nargs="*", metavar="JOB", help="只处理这些任务（默认全部）")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--list", action="store_true", help="列出任务、时间、下次和上次运行")
        mode.add_argument("--cancel", action="store_true", help="取消等待中的任务（改用 cron 时）")
        mode.add_argument(
            "--cron", action="store_true", help="打印建议的 cron 行（不用后台定时时）"
        )
        mode.add_argument("--run", metavar="JOB", help="在本进程立即运行一个任务（供 cron 调用）")
        parser.add_argument(
            "--worker-restart",
            action="store_true",
            help="单个工作进程重启前：把所有“运行中”的任务标记为失败（进程已被终止）并重新排定",
        )

    def handle(self, *args, jobs, **o):
        try:
            self._handle(jobs, o)
        except UnknownJob as exc:
            raise CommandError(exc.message) from exc

    def _handle(self, jobs, o):
        if o["cron"]:
            self.stdout.write("\n".join(cron_lines()))
        elif o["run"]:
            result = schedule_run_now(o["run"])
            self.stdout.write(f"{o['run']} 已运行：{result}")
        elif o["cancel"]:
            self.stdout.write(f"已取消等待中的定时任务 {schedule_cancel(*jobs)} 个")
        elif o["list"]:
            self._list(jobs)
        else:
            for pk in schedule_recover(all_running=o.get("worker_restart", False)):
                self.stderr.write(f"任务 {pk} 在运行中被终止（租约过期），已标记为失败并重新排定")
            if schedule_ensure(*jobs) is None:
                raise CommandError(
                    "当前后台任务后端不支持定时执行；请用 cron 运行定时任务（jiuzhu schedule --cron）"
                )
            self.stdout.write(
                "定时任务已排定（由 jiuzhu db_worker 执行，每次运行后自动排定下一次）："
            )
            self._list(jobs)

    def _list(self, jobs):
        off = set(settings.JIUZHU_SCHEDULE_OFF) - {"all"} - {j.name for j in JOBS}
        if off:
            self.stderr.write(f"JIUZHU_SCHEDULE_OFF 中有未知的任务名：{'、'.join(sorted(off))}")
        for r in schedule_next(*jobs, last=True):
            if not r.enabled:
                nxt = "已停用（JIUZHU_SCHEDULE_OFF）"
            elif r.next_at is None:
                nxt = "未排定"
            else:
                nxt = f"下次 {timezone.localtime(r.next_at):%Y-%m-%d %H:%M}"
            last = (
                f"；上次 {timezone.localtime(r.last_at):%Y-%m-%d %H:%M} {STATUS[r.last_status]}"
                if r.last_at
                else ""
            )
            self.stdout.write(f"  {r.name:<16} {r.label:<10} {r.when:<14} {nxt}{last}")
