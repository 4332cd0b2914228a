"""``jiuzhu duplicates``: 疑似重复人员检测 over the whole registry (one run at a time)."""

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.errors import ServiceError


class Command(BaseCommand):
    help = "疑似重复人员检测：用与核对相同的比对模型查找信息库中可能是同一人的两条记录（同一时间只运行一次）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="排入后台任务队列（db_worker 执行），不在此运行"
        )

    def handle(self, *args, **o):
        from jiuzhu.verify.services import duplicate_run_running, duplicates_detect

        if o["enqueue"]:
            if duplicate_run_running() is not None:
                raise CommandError("疑似重复检测正在运行，请等它完成后再启动")
            from jiuzhu.verify.tasks import duplicates_detect_task

            duplicates_detect_task.enqueue()
            self.stdout.write("已排入后台任务队列")
            return
        try:
            new = duplicates_detect(actor=None)
        except ServiceError as exc:
            raise CommandError(exc.text()) from None
        self.stdout.write(f"疑似重复检测完成：新增 {new} 对待处理")
