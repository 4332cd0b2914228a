import pytest
from django.core.management import CommandError, call_command

from jiuzhu.areas.models import Area, AreaLevel, level_for_code, parent_code
from jiuzhu.areas.services import AreaImportError, areas_import_csv

pytestmark = pytest.mark.django_db


def test_the_real_taizhou_tree_is_loaded():
    assert Area.objects.get(code="321200000000").name == "泰州市"
    counties = set(Area.objects.filter(parent_id="321200000000").values_list("name", flat=True))
    assert counties == {"海陵区", "高港区", "姜堰区", "兴化市", "靖江市", "泰兴市"}
    assert Area.objects.filter(level=AreaLevel.TOWNSHIP, code__startswith="3212").count() == 109
    assert Area.objects.filter(level=AreaLevel.VILLAGE, code__startswith="3212").count() == 1745


def test_levels_and_parents_from_codes():
    assert level_for_code("321202001001") == AreaLevel.VILLAGE
    assert parent_code("321202001001") == "321202001000"
    assert parent_code("321202000000") == "321200000000"
    assert parent_code("320000000000") is None


def test_a_bad_row_is_reported_and_nothing_is_written(tmp_path):
    f = tmp_path / "areas.csv"
    f.write_text(
        "code,name,level,parent_code\n"
        "321299000000,新区,county,321200000000\n"
        "321299001000,,township,321299000000\n"
        "3212990A2000,错码镇,township,321299000000\n"
        "321299003000,孤儿镇,township,321288000000\n",
        encoding="utf-8",
    )
    before = Area.objects.count()
    with pytest.raises(AreaImportError) as exc:
        areas_import_csv(path=f)
    text = str(exc.value)
    assert "第3行 字段“name”" in text
    assert "第4行 字段“code”" in text
    assert "第5行 字段“parent_code”" in text
    assert Area.objects.count() == before


def test_gbk_file_and_update(tmp_path):
    f = tmp_path / "areas.csv"
    f.write_bytes(
        "code,name,level,parent_code\n321299000000,测试新区,county,321200000000\n".encode("gbk")
    )
    report = areas_import_csv(path=f)
    assert report.created == 1
    f.write_bytes(
        "code,name,level,parent_code\n321299000000,测试新区二,county,321200000000\n".encode("gbk")
    )
    report = areas_import_csv(path=f)
    assert (report.created, report.updated) == (0, 1)
    assert Area.objects.get(code="321299000000").name == "测试新区二"


def test_import_command_fails_with_the_report(tmp_path):
    f = tmp_path / "areas.csv"
    f.write_text("code,name\n1,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少必需的列"):
        call_command("import", "areas", str(f))
