"""Chinese PDF documents (decision letters, check reports) with reportlab.

Fonts: an installed TrueType CJK font is embedded (subset) when one is found — the file named by
``JIUZHU_PDF_FONT``, else WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei``. Without one,
the Adobe-GB1 CID font STSong-Light is referenced (not embedded): Adobe Reader, WPS and Foxit show
it; poppler-based viewers need ``poppler-data``. Nothing is downloaded at run time. Build a
document from simple blocks and get bytes back::

    pdf = render_pdf(title="最低生活保障审核确认决定书", blocks=[
        Heading("决定书"), Para("经审核……"), Table([["姓名", "金额"], ["张*明", "710.00"]]),
    ], footer="泰州市海陵区民政局")
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image as RLImage
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

TRUETYPE_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def _register_font() -> str:
    for candidate in (os.environ.get("JIUZHU_PDF_FONT"), *TRUETYPE_CANDIDATES):
        if candidate and Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont("JiuzhuCJK", candidate, subfontIndex=0))
            return "JiuzhuCJK"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


FONT = _register_font()

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
_TITLE = ParagraphStyle(
    "title", parent=_BODY, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=8
)
_HEADING = ParagraphStyle(
    "heading", parent=_BODY, fontSize=13, leading=20, spaceBefore=6, spaceAfter=4
)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=9, leading=13)


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class Heading:
    text: str


@dataclass
class Para:
    text: str
    small: bool = False


@dataclass
class Table:
    rows: list[list[str]]
    col_widths_mm: list[float] | None = None
    header: bool = True


@dataclass
class Gap:
    height_mm: float = 4


@dataclass
class Picture:
    """A PNG (e.g. a QR code), centred, ``width_mm`` wide (square unless ``height_mm``)."""

    png: bytes
    width_mm: float
    height_mm: float | None = None


Block = Heading | Para | Table | Gap | Picture


def render_pdf(*, title: str, blocks: list[Block], footer: str = "") -> bytes:
    """Render the blocks to an A4 PDF and return its bytes."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=title,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    story = [Paragraph(_esc(title), _TITLE)]
    for b in blocks:
        if isinstance(b, Heading):
            story.append(Paragraph(_esc(b.text), _HEADING))
        elif isinstance(b, Para):
            story.append(
                Paragraph(_esc(b.text).replace("\n", "<br/>"), _SMALL if b.small else _BODY)
            )
        elif isinstance(b, Gap):
            story.append(Spacer(1, b.height_mm * mm))
        elif isinstance(b, Picture):
            img = RLImage(
                io.BytesIO(b.png), width=b.width_mm * mm, height=(b.height_mm or b.width_mm) * mm
            )
            img.hAlign = "CENTER"
            story.append(img)
        elif isinstance(b, Table):
            data = [[Paragraph(_esc(c), _SMALL) for c in row] for row in b.rows]
            widths = [w * mm for w in b.col_widths_mm] if b.col_widths_mm else None
            t = RLTable(data, colWidths=widths, repeatRows=1 if b.header else 0)
            style = [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
            if b.header:
                style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")))
            t.setStyle(TableStyle(style))
            story.append(t)
    if footer:
        story += [Spacer(1, 10 * mm), Paragraph(_esc(footer), _BODY)]

    def _page(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=_page, onLaterPages=_page)
    return buf.getvalue()
