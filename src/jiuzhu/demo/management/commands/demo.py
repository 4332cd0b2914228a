"""`jiuzhu demo`: migrate, load the synthetic 泰州 county if empty, start web server + worker."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Set up the demo database if needed and serve it on http://127.0.0.1:8000 with the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not serve")

    def handle(self, *args, households, seed, host, port, no_serve, **options):
        started = time.monotonic()
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        from jiuzhu.registry.models import Household

        if not Household.objects.exists():
            from jiuzhu.demo.synth.services import demo_load

            self.stdout.write(f"正在生成合成演示数据（{households} 户）…")
            demo_load(households=households, seed=seed)
            # A first 政策找人 run, so its lists (应保未保, 错保) and the hardship scores are
            # there from the start; the worker runs the next ones.
            self.stdout.write("正在运行政策找人…")
            call_command("policy", "run", verbosity=0)
        from jiuzhu.demo.accounts import DEMO_PASSWORD, demo_users_ensure

        rows = demo_users_ensure()
        # Example applications at every stage of the process, made through the case services.
        call_command("cases_demo", verbosity=0)
        # Payment accounts, budget and this month's two planted payroll cases (资金发放).
        from jiuzhu.demo.funds import funds_demo

        funds_demo()
        # The services market: providers, prices, plans and orders at every stage (一人一策).
        from jiuzhu.demo.support import support_demo

        support_demo()
        # Monitoring: a first alert run, this month's review tasks (both idempotent), and the
        # 公安 death file to import during the demo (jiuzhu import feed police FILE).
        call_command("monitor", "nightly", verbosity=0)
        # Recurring jobs on the worker's own clock; the demo has one worker, so a task left
        # "running" by a killed earlier run is marked failed and re-queued.
        call_command("schedule", worker_restart=True, verbosity=0)
        death_file = settings.VAR_DIR / "demo-police-deaths.csv"
        call_command("monitor", "demo-death-file", "--out", str(death_file), verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示环境就绪（{time.monotonic() - started:.0f} 秒）：http://{host}:{port}/"
            )
        )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, area in rows:
            self.stdout.write(f"  {username:<10} {role:<12} {area}")
        self._portal_hint(host, port)
        if no_serve:
            return
        worker = subprocess.Popen([sys.executable, "-m", "jiuzhu", "db_worker"], env={**os.environ})
        # A plain `kill` (SIGTERM) stops the worker too, not only Ctrl+C.
        signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
        try:
            from waitress import serve

            from jiuzhu.wsgi import application

            self.stdout.write("Web 服务与后台任务进程已启动，按 Ctrl+C 停止。")
            serve(application, host=host, port=port, threads=8, _quiet=True)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    def _portal_hint(self, host, port):
        """The citizen side (/m/): a registered person to sign in as; codes print here."""
        from jiuzhu.registry.models import Person

        person = (
            Person.objects.filter(death_date__isnull=True, id_number__isnull=False)
            .exclude(phone="")
            .order_by("pk")
            .first()
        )
        self.stdout.write(f"群众端（掌上办）：http://{host}:{port}/m/  短信验证码显示在本窗口")
        if person is not None:
            self.stdout.write(
                f"  手机号 {person.phone}  姓名 {person.name}  身份证号 {person.id_number}"
            )
