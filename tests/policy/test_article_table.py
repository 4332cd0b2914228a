"""docs/programmes.md's article table: every article RULES.md names has a row, each test exists."""

import ast
from pathlib import Path

from jiuzhu.policy.docgen import article_rows, programmes_md

ROOT = Path(__file__).resolve().parents[2]

# The articles RULES.md (shared/RULES.md) names, transcribed: (source, article) as in the rows.
RULES_ARTICLES = {
    ("低保办法", "第二条"),
    ("低保办法", "第四至六条"),
    ("低保办法", "第七条"),
    ("低保办法", "第八条"),
    ("低保办法", "第十条"),
    ("低保办法", "第十一条"),
    ("低保办法", "第十三条"),
    ("低保办法", "第十三条（不计入收入）"),
    ("低保办法", "第十四条"),
    ("低保办法", "第十五至十六条"),
    ("低保办法", "第十七至十八条"),
    ("低保办法", "第十九条"),
    ("低保办法", "第二十条"),
    ("低保办法", "第二十一条"),
    ("低保办法", "第二十二条"),
    ("低保办法", "第二十三条"),
    ("低保办法", "第二十四条"),
    ("低保办法", "第二十五条"),
    ("低保办法", "第二十八条"),
    ("低保办法", "第二十九至三十二条"),
    ("低保办法", "第三十三条"),
    ("低保办法", "第三十四条"),
    ("暂行办法", "第六十八条"),
    ("特困办法", "第四条"),
    ("特困办法", "第五条"),
    ("特困办法", "第五条（16–18周岁）"),
    ("特困办法", "第六至七条"),
    ("特困办法", "第八条"),
    ("特困办法", "第九条"),
    ("特困办法", "第十至十八条"),
    ("特困办法", "第二十至二十三条"),
    ("特困办法", "第二十四至二十六条"),
    ("暂行办法", "第十五条"),
    ("刚性支出办法", "第四条"),
    ("刚性支出办法", "第五条"),
    ("刚性支出办法", "第八至十一条"),
}


def test_every_article_of_rules_has_a_row():
    rows = {(r["source"], r["article"]) for r in article_rows()}
    assert not RULES_ARTICLES - rows
    for r in article_rows():
        assert r["rule"] and r["implements"] and r["test"], r


def test_every_named_test_exists():
    for r in article_rows():
        if r["test"] == "—":
            continue
        path, _, name = r["test"].partition("::")
        f = ROOT / path
        assert f.exists(), r["test"]
        if name:
            tree = ast.parse(f.read_text(encoding="utf-8"))
            names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert name in names, r["test"]


def test_the_table_is_in_the_generated_document():
    text = programmes_md()
    assert "## Articles of RULES.md → implementation → test" in text
    on_disk = (ROOT / "docs" / "programmes.md").read_text(encoding="utf-8")
    assert on_disk == text, "run `jiuzhu policy docs` after changing a programme"
