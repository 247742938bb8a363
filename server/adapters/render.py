"""Render a document: Jinja HTML (the same templates the PWA renders offline with nunjucks) and a PDF built
from that HTML with ReportLab, the CJK font embedded, and a QR code to the public verification page.

The PDF is made from the rendered HTML, not from a second layout, so paper and screen cannot say
different things. The templates use a small tag set (h1, h2, p, table/tr/th/td, ol/li) that maps to flowables.
"""
from __future__ import annotations

import hashlib
import html
import io
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates" / "documents"
FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT = "WQYMicroHei"
_font_lock = threading.Lock()
_env: Environment | None = None


def environment() -> Environment:
    global _env
    if _env is None:
        # autoescape on, like nunjucks' default, so both escape the officer's free text the same way.
        _env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(default=True))
    return _env


def template_sources() -> dict[str, str]:
    """Every template by name — what the PWA caches to render offline."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(TEMPLATE_DIR.glob("*.html"))}


def render_html(ctx: dict[str, Any]) -> str:
    return environment().get_template(f"{ctx['doc_type']}.html").render(**ctx)


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def html_text(markup: str) -> str:
    """Canonical text of a rendered document (tags out, entities decoded, whitespace collapsed).

    The PWA computes the same (``pwa/js/documents/render.js``); its SHA-256 is the content hash both sides compare.
    """
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def content_sha256(markup: str) -> str:
    return hashlib.sha256(html_text(markup).encode("utf-8")).hexdigest()


def register_font() -> str:
    with _font_lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    font = register_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=13.2, wordWrap="CJK", spaceAfter=1.5)
    return {
        "p": base,
        "h1": ParagraphStyle("h1", parent=base, fontSize=16, leading=20, alignment=TA_CENTER, spaceAfter=2),
        "authority": ParagraphStyle("authority", parent=base, fontSize=12, alignment=TA_CENTER),
        "number": ParagraphStyle("number", parent=base, alignment=TA_RIGHT, spaceAfter=4, rightIndent=24 * mm),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11, leading=14, spaceBefore=3, textColor=colors.HexColor("#1f3a60")),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=colors.grey),
        "warning": ParagraphStyle("warning", parent=base, textColor=colors.HexColor("#a04000")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5, spaceAfter=0),
    }


class _Blocks(HTMLParser):
    """Turns the template's small tag set into (kind, class, text | rows) blocks."""

    BLOCK = {"h1", "h2", "p", "li"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str, Any]] = []
        self._open: tuple[str, str] | None = None
        self._text: list[str] = []
        self._rows: list[list[str]] | None = None
        self._cells: list[str] | None = None
        self._cell_text: list[str] | None = None
        self._li = 0

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._cells = []
        elif tag in ("th", "td") and self._cells is not None:
            self._cell_text = []
        elif tag == "ol":
            self._li = 0
        elif tag in self.BLOCK:
            self._open, self._text = (tag, cls), []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell_text is not None:
            self._cells.append(_SPACE.sub(" ", "".join(self._cell_text)).strip())
            self._cell_text = None
        elif tag == "tr" and self._cells is not None:
            self._rows.append(self._cells)
            self._cells = None
        elif tag == "table" and self._rows is not None:
            self.blocks.append(("table", "", self._rows))
            self._rows = None
        elif self._open and tag == self._open[0]:
            text = _SPACE.sub(" ", "".join(self._text)).strip()
            if tag == "li":
                self._li += 1
                text = f"{self._li}. {text}"
            self.blocks.append((tag, self._open[1], text))
            self._open = None

    def handle_data(self, data):
        if self._cell_text is not None:
            self._cell_text.append(data)
        elif self._open:
            self._text.append(data)


def _flowables(markup: str) -> list:
    st = styles()
    parser = _Blocks()
    parser.feed(markup)
    out: list = []
    for kind, cls, content in parser.blocks:
        if kind == "table":
            rows = [[Paragraph(escape(c), st["cell"]) for c in row] for row in content]
            table = Table(rows, colWidths=[34 * mm, 140 * mm])
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                       ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f4f7"))]))
            out += [table, Spacer(1, 2 * mm)]
            continue
        style = st.get(cls) or st.get(kind) or st["p"]
        out.append(Paragraph(escape(content), style))
    return out


def render_pdf(markup: str, verify_url: str | None, title: str = "") -> bytes:
    """A4 PDF of the rendered HTML; the QR in the top corner opens the public verification page."""
    buf = io.BytesIO()
    qr_png = None
    if verify_url:
        qr_buf = io.BytesIO()
        # A fixed mask skips segno's best-mask search (most of its time); any mask is a valid, scannable code.
        segno.make(verify_url, error="m", micro=False, mask=0).save(qr_buf, kind="png", scale=3, border=1)
        qr_png = ImageReader(io.BytesIO(qr_buf.getvalue()))

    def decorate(canvas, doc):
        canvas.saveState()
        font = register_font()
        if qr_png is not None:
            # Top-right corner, code and caption both above where the party table starts (~30 mm down),
            # clear of the centred title even for the longest one (告知承诺书).
            size, right, bottom = 18 * mm, A4[0] - 12 * mm, A4[1] - 5 * mm - 18 * mm
            canvas.drawImage(qr_png, right - size, bottom, size, size)
            canvas.setFont(font, 6)
            canvas.drawRightString(right - 1 * mm, bottom - 2.5 * mm, "扫码核验文书真伪")
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    pdf = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=title, author="Roadside", invariant=1)
    pdf.build(_flowables(markup), onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()
