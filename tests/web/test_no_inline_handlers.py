"""The Content-Security-Policy allows no inline event attributes (core.middleware): a template
with ``onchange=…`` or ``onclick=…`` silently stops working in the browser. Behaviour goes in a
static script (``static/jiuzhu/site.js``: ``data-autosubmit`` on a select submits its form)."""

import pathlib
import re

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "jiuzhu"
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def test_no_template_has_an_inline_event_handler():
    offenders = []
    for path in SRC.rglob("templates/**/*.html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if HANDLER.search(line):
                offenders.append(f"{path.relative_to(SRC)}:{n}")
    assert offenders == []
