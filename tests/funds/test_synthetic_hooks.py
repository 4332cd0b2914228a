"""The funds and monitor commands reach the demo's synthetic helpers only through the hook dicts
the demo app fills in its ``ready()`` (they never import ``jiuzhu.demo``); without the demo app
they say so in Chinese."""

import pytest
from django.core.management import CommandError, call_command

from jiuzhu.funds.synthetic_hooks import SYNTHETIC as FUNDS_SYNTHETIC
from jiuzhu.monitoring.synthetic_hooks import SYNTHETIC as MONITORING_SYNTHETIC


def test_the_demo_app_lends_its_helpers():
    assert {"accounts_synth", "return_file_for", "funds_demo"} <= set(FUNDS_SYNTHETIC)
    assert "death_file" in MONITORING_SYNTHETIC


@pytest.mark.django_db
def test_accounts_synth_runs_through_the_hook(monkeypatch, capsys):
    calls = []

    def fake(**kw):
        calls.append(kw)
        return {"accounts": 7, "truth": [1, 2]}

    monkeypatch.setitem(FUNDS_SYNTHETIC, "accounts_synth", fake)
    call_command("funds", "accounts-synth", "--seed", "5", "--area", "321202000000")
    assert calls and calls[0]["seed"] == 5 and calls[0]["area_code"] == "321202000000"
    assert "新建发放账户 7 个；埋设 2 处" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("accounts_synth", ["accounts-synth"]),
        ("return_file_for", ["demo-return", "1", "--out", "x.txt"]),
        ("funds_demo", ["demo"]),
    ],
)
def test_funds_commands_say_when_the_demo_package_is_missing(monkeypatch, name, argv):
    monkeypatch.delitem(FUNDS_SYNTHETIC, name)
    if name == "return_file_for":  # the payroll is looked up first: give it a released one
        from jiuzhu.funds.models import Payroll

        monkeypatch.setattr(
            Payroll.objects, "get", lambda **kw: type("P", (), {"status": "released"})()
        )
    with pytest.raises(CommandError, match=r"演示与合成数据包（jiuzhu\.demo），本系统未安装"):
        call_command("funds", *argv)


def test_monitor_demo_death_file_says_when_the_demo_package_is_missing(monkeypatch, tmp_path):
    monkeypatch.delitem(MONITORING_SYNTHETIC, "death_file")
    with pytest.raises(CommandError, match="demo-death-file.*未安装"):
        call_command("monitor", "demo-death-file", "--out", str(tmp_path / "d.csv"))
