"""Every piece of Chinese UI text in a template is inside a translation tag.

The UI is Chinese first with English through Django i18n; text written straight into a template
never reaches the catalogue. This reads every project template, removes what the translation
tags and comments hold, and fails naming the file, line and text of any Chinese left over.
"""

import re
from pathlib import Path

import jiuzhu

ROOT = Path(jiuzhu.__file__).parent
# Ideographs and full-width punctuation (：（）、，。；…): punctuation outside a translation tag would
# show on English pages as "Head：X" or "(3 persons，…)".
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e\u3001-\u3011]+")

# Blocks whose content is either translated or not UI text at all.
BLOCKS = [
    re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S),
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"{%\s*trans(?:late)?\s+(\"[^\"]*\"|'[^']*').*?%}", re.S),
    # a translated literal passed to a tag or a filter: _("…")
    re.compile(r"_\((\"[^\"]*\"|'[^']*')\)"),
]


def _blank(match: re.Match) -> str:
    """Keep the line count so that reported line numbers stay right."""
    return "\n" * match.group(0).count("\n")


def untranslated(text: str) -> list[tuple[int, str]]:
    for block in BLOCKS:
        text = block.sub(_blank, text)
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for run in CJK.findall(line):
            found.append((number, run))
    return found


def test_the_checker_finds_bare_chinese_and_accepts_tagged_text():
    tagged = (
        '{% load i18n %}<h1>{% translate "家庭档案" %}</h1>\n'
        "{% blocktranslate trimmed with n=count %}共 {{ n }} 户{% endblocktranslate %}\n"
        "{# 说明 #}{% comment %}注释{% endcomment %}\n"
        '{% include "x.html" with label=_("姓名") %}'
    )
    assert untranslated(tagged) == []
    assert untranslated("<p>ok</p>\n<th>户主</th>") == [(2, "户主")]
    assert untranslated("{{ name }}（{{ kind }}）：{{ v }}") == [(1, "（"), (1, "）：")]


def test_every_template_marks_its_chinese_for_translation():
    templates = sorted(ROOT.glob("*/templates/**/*.html")) + sorted(
        (ROOT / "templates").glob("**/*.html")
    )
    assert len(templates) > 40  # the project's templates were found
    problems = []
    for path in templates:
        for number, run in untranslated(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)}:{number}: {run}")
    assert not problems, "Chinese outside translation tags:\n" + "\n".join(problems[:80])
