"""The matching engine on tiny in-memory frames (no database)."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from jiuzhu.core.idcard import make_id_number, parse_id_number, upgrade_15
from jiuzhu.verify import matching


def test_engine_imports_no_django():
    code = "import sys, jiuzhu.verify.matching, jiuzhu.verify.rules, jiuzhu.verify.feeds, jiuzhu.demo.synth_feeds; print('django' in sys.modules)"
    # The child imports this checkout's code, not whichever copy is installed.
    src = str(Path(matching.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "False"


def test_vectorised_id_check_agrees_with_idcard():
    good = make_id_number("321202", datetime.date(1975, 6, 21), 15, "M")
    bad = good[:9] + str((int(good[9]) + 1) % 10) + good[10:]
    old = good[:6] + good[8:17]
    frame = pl.DataFrame({"id_number": [good, bad, old, "", None, "11010519491231002x"]})
    out = matching.clean_ids(frame).collect()
    assert out["id_valid"].to_list() == [True, False, True, False, False, True]
    assert out["id_clean"][2] == upgrade_15(old) == good
    parse_id_number(out["id_clean"][5])


def test_pinyin_reads_homophones_and_traditional_alike():
    frame = matching.add_name_features(
        pl.LazyFrame({"name": ["张艳", "章燕", "張艷", "王伟"]})
    ).collect()
    assert frame["name_py"].to_list()[:3] == ["zhangyan"] * 3
    assert frame["surname_py"][3] == "wang"
