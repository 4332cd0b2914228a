"""``jiuzhu report monthly --area CODE --month YYYY-MM [--xlsx FILE] [--csv FILE]``."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.areas.models import Area
from jiuzhu.stats.export import report_csv, report_text, report_xlsx
from jiuzhu.stats.selectors import monthly_form


class Command(BaseCommand):
    help = "打印民政统计月报表（社会救助部分）；--xlsx/--csv 另存为文件"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="which", required=True)
        monthly = sub.add_parser("monthly", help="月报表")
        monthly.add_argument("--area", required=True, help="区划代码（12 位）")
        monthly.add_argument("--month", required=True, help="统计月份 YYYY-MM")
        monthly.add_argument("--xlsx", help="另存为 xlsx 文件")
        monthly.add_argument("--csv", help="另存为 CSV 文件")

    def handle(self, *args, which, area, month, xlsx=None, csv=None, **options):
        try:
            m = datetime.datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise CommandError(f"--month：须为 YYYY-MM 格式，收到“{month}”") from None
        place = Area.objects.filter(code=area).first()
        if place is None:
            raise CommandError(f"--area：没有区划代码为“{area}”的地区")
        report = monthly_form(area=place, month=m)
        self.stdout.write(report_text(report))
        if xlsx:
            Path(xlsx).write_bytes(report_xlsx(report))
            self.stdout.write(f"已保存 {xlsx}")
        if csv:
            Path(csv).write_text(report_csv(report), encoding="utf-8")
            self.stdout.write(f"已保存 {csv}")
