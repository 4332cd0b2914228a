"""Loading the administrative-division table (all-or-nothing, with a row-level report)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from jiuzhu.areas.models import Area, AreaLevel, level_for_code, parent_code
from jiuzhu.audit.models import NATIONAL
from jiuzhu.audit.services import audit_record

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_AREA_FILE = DATA_DIR / "taizhou-321200.csv"
REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")


@dataclass
class RowError:
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行 字段“{self.field}”：{self.reason}"


@dataclass
class AreaImportReport:
    file: str
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class AreaImportError(Exception):
    def __init__(self, report: AreaImportReport):
        self.report = report
        lines = [f"{report.file}: 导入失败，共 {len(report.errors)} 处错误，未写入任何数据"]
        lines += [str(e) for e in report.errors[:50]]
        super().__init__("\n".join(lines))


def _read_rows(path: Path) -> tuple[list[dict], AreaImportReport]:
    report = AreaImportReport(file=str(path))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        report.errors.append(RowError(1, ",".join(missing), "缺少必需的列"))
        return [], report
    return list(reader), report


def areas_import_csv(*, path: Path | str, actor=None) -> AreaImportReport:
    """Create or update areas from a ``code,name,level,parent_code`` CSV.

    Every row is checked first (12-digit code, level agrees with the code, parent exists in the
    file or the database); one bad row and nothing is written.
    """
    path = Path(path)
    rows, report = _read_rows(path)
    if report.errors:
        raise AreaImportError(report)
    known = set(Area.objects.values_list("code", flat=True))
    in_file: dict[str, dict] = {}
    for i, r in enumerate(rows, start=2):
        code = (r.get("code") or "").strip().ljust(12, "0") if (r.get("code") or "").strip() else ""
        name = (r.get("name") or "").strip()
        level = (r.get("level") or "").strip()
        parent = (r.get("parent_code") or "").strip()
        parent = parent.ljust(12, "0") if parent else ""
        if not code.isdigit() or len(code) != 12:
            report.errors.append(RowError(i, "code", f"区划代码“{r.get('code')}”须为最多12位数字"))
            continue
        if not name:
            report.errors.append(RowError(i, "name", "名称不能为空"))
        if level not in AreaLevel.values:
            report.errors.append(
                RowError(i, "level", f"层级“{level}”无效，应为 {'/'.join(AreaLevel.values)}")
            )
            continue
        if level_for_code(code) != level:
            report.errors.append(
                RowError(
                    i, "level", f"层级“{level}”与代码 {code} 表示的层级“{level_for_code(code)}”不符"
                )
            )
        expected_parent = parent_code(code)
        if (parent or None) != expected_parent and not (expected_parent is None and not parent):
            report.errors.append(
                RowError(i, "parent_code", f"上级代码应为 {expected_parent}，实为“{parent}”")
            )
        if code in in_file:
            report.errors.append(RowError(i, "code", f"代码 {code} 在文件中重复"))
        in_file[code] = {"code": code, "name": name, "level": level, "parent": parent or None}
    for i, r in enumerate(in_file.values(), start=2):
        if r["parent"] and r["parent"] not in in_file and r["parent"] not in known:
            report.errors.append(RowError(i, "parent_code", f"上级区划 {r['parent']} 不存在"))
    if report.errors:
        raise AreaImportError(report)

    ordered = list(in_file.values())
    existing = Area.objects.in_bulk([r["code"] for r in ordered])
    with transaction.atomic():
        to_create, to_update = [], []
        level_rank = {lvl: n for n, lvl in enumerate(AreaLevel.values)}
        for r in sorted(ordered, key=lambda r: (level_rank[r["level"]], r["code"])):
            obj = existing.get(r["code"])
            if obj is None:
                to_create.append(
                    Area(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"])
                )
            elif (obj.name, obj.level, obj.parent_id) != (r["name"], r["level"], r["parent"]):
                obj.name, obj.level, obj.parent_id = r["name"], r["level"], r["parent"]
                to_update.append(obj)
        Area.objects.bulk_create(to_create, batch_size=2000)
        Area.objects.bulk_update(to_update, ["name", "level", "parent"], batch_size=2000)
        report.created, report.updated = len(to_create), len(to_update)
        audit_record(
            actor=actor,
            action="areas.import",
            area_code=NATIONAL,
            subject_type="area_table",
            subject_id=path.name,
            extra={"created": report.created, "updated": report.updated},
        )
    return report
