"""`jiuzhu import feed DEPT FILE` (registered with core's import command by verify)."""

import datetime
from pathlib import Path

from django.core.management.base import CommandError


def _period(text: str | None):
    if not text:
        return None
    try:
        start, end = (datetime.date.fromisoformat(p.strip()[:7] + "-01") for p in text.split(":"))
    except ValueError as exc:
        raise CommandError(f"--period “{text}”应为 YYYY-MM:YYYY-MM") from exc
    if start > end:
        raise CommandError(f"--period “{text}”：起始月份晚于截止月份")
    return start, end


def import_feed(
    department: str, path: Path, extracted: str | None, *, period: str | None = None
) -> str:
    from jiuzhu.core import clock
    from jiuzhu.core.errors import ServiceError
    from jiuzhu.verify.services import feed_import

    try:
        day = datetime.date.fromisoformat(extracted) if extracted else None
    except ValueError as exc:
        raise CommandError(f"--extracted “{extracted}”不是有效日期（YYYY-MM-DD）") from exc
    if not path.is_file():
        raise CommandError(f"文件不存在：{path}")
    try:
        result = feed_import(
            actor=None,
            department=department,
            data=path.read_bytes(),
            file_name=path.name,
            extracted_on=day,
            period=_period(period),
        )
    except ServiceError as exc:
        raise CommandError(exc.text()) from exc
    imp = result.feed_import
    if result.duplicate:
        return f"{path.name}：该文件已于 {clock.local(imp.created_at):%Y-%m-%d %H:%M} 导入，未做任何更改"
    if imp.status != "accepted":
        lines = [
            f"{r['file']} 第{r['row'] or '-'}行 {r['field']}：{r['reason']}"
            for r in imp.report[:50]
        ]
        raise CommandError(
            f"{path.name}：{imp.get_status_display()}，未导入任何行。\n" + "\n".join(lines)
        )
    summary = (
        f"{path.name}（{imp.encoding}）：共 {imp.rows_total} 行，新增 {imp.rows_created}，"
        f"更新 {imp.rows_updated}，未变 {imp.rows_unchanged}"
    )
    if imp.rows_rejected:
        summary += f"，有错未导入 {imp.rows_rejected} 行"
    notes = [
        f"{r['file']} 第{r['row'] or '-'}行 {r['field']}：{r['reason']}" for r in imp.report[:50]
    ]
    return "\n".join([summary, *notes])


def configure(parser) -> None:
    parser.add_argument("department", help="police, hrss, market, property, vehicles, bank, tax, …")
    parser.add_argument("path", type=Path)
    parser.add_argument("--extracted", default=None, help="数据提取日期 YYYY-MM-DD（默认今天）")
    parser.add_argument(
        "--period",
        default=None,
        help="数据覆盖月份 YYYY-MM:YYYY-MM（按月数据如人社；默认为文件中最早到最晚的月份）",
    )


def run(*, department, path, extracted=None, period=None, **_options) -> str:
    return import_feed(department, path, extracted, period=period)
