"""One place for every label: programmes, departments, vehicle kinds and audit actions are read
through ``jiuzhu.core.labels``, each registered by the app that owns the codes."""

from pathlib import Path

from django.utils import translation

from jiuzhu.core.labels import AUDIT_ACTION, DEPARTMENT, PROGRAMME, VEHICLE_KIND, label, labels

SRC = Path(__file__).resolve().parents[1] / "src" / "jiuzhu"


def test_every_kind_is_registered_by_its_app():
    assert label(PROGRAMME, "dibao") == "最低生活保障"
    assert label(DEPARTMENT, "police") == "公安"
    assert label(VEHICLE_KIND, "disability_scooter") == "残疾人代步车"
    assert label(AUDIT_ACTION, "policy.programme.save") == "保存救助项目规则"
    assert label(VEHICLE_KIND, "spaceship") == "spaceship"  # unknown: shown as it is
    # 10 data sources (verify) + 6 owner departments of the programme register (policy, issue 19)
    assert len(labels(DEPARTMENT)) == 16 and len(labels(VEHICLE_KIND)) == 4
    assert label(DEPARTMENT, "women") == "妇联" and label(DEPARTMENT, "education") == "教育"


def test_labels_follow_the_language():
    with translation.override("en"):
        assert label(AUDIT_ACTION, "household.create") == "Household registered"
        assert label(DEPARTMENT, "police") == "Police"


def test_vehicle_labels_are_written_once():
    """Each vehicle label's Chinese text stands in one source file (the 车管 feed's)."""
    for text in ("小型汽车", "残疾人代步车"):
        files = [
            str(p.relative_to(SRC))
            for p in SRC.rglob("*.py")
            if "migrations" not in p.parts and text in p.read_text(encoding="utf-8")
        ]
        assert files == ["verify/feeds.py"], (text, files)
