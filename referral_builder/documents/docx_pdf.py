"""Render a DOCX letter to PDF with ReportLab, or with LibreOffice when it is installed.

The ReportLab path understands what letters use: paragraphs and runs (bold, italic,
underline, strike, size), headings, alignment, indents and spacing, bullet and numbered
lists, tables with their cell text, line and page breaks, inline pictures, and the header
and footer (the letterhead), with a different first page when the document has one. It is
fast and needs nothing outside Python; LibreOffice gives Word-faithful layout when present.
Every DOCX is checked with `safety.check_docx` before it is opened.
"""

from __future__ import annotations

import hashlib
import io
import logging
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    LayoutError,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from referral_builder.config import Config
from referral_builder.documents.docx_xml import has_borders, paragraph_runs, run_tags
from referral_builder.documents.fonts import (
    FallbackParagraph,
    body_font,
    bold_font,
    fallback_font,
    with_fallback,
)
from referral_builder.documents.libreoffice import (
    ConversionFailed,
    docx_to_pdf_libreoffice,
    libreoffice_available,
)
from referral_builder.documents.safety import UnsafeDocument, check_docx
from referral_builder.domain.errors import ReferralBuilderError

log = logging.getLogger(__name__)

_ALIGN = {WD_ALIGN_PARAGRAPH.CENTER: TA_CENTER, WD_ALIGN_PARAGRAPH.RIGHT: TA_RIGHT,
          WD_ALIGN_PARAGRAPH.JUSTIFY: TA_JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT: TA_LEFT}
_HEADING_SIZES = {"title": 20.0, "heading 1": 16.0, "heading 2": 13.0, "heading 3": 12.0}
_EMU_PER_PT = 12700
_MIN_PAGE, _MAX_PAGE = 72.0, 14400.0  # points: 1 inch to 200 inches, PDF's own limit
A4_PAGE = (21 * cm, 29.7 * cm, 2.54 * cm, 2.54 * cm, 2.54 * cm, 2.54 * cm, 1.25 * cm, 1.25 * cm)


# ---- public API -----------------------------------------------------------------------------


def docx_to_pdf(docx: bytes, *, title: str = "", prefer_libreoffice: bool = False) -> bytes:
    """Render DOCX bytes to PDF bytes; raise `UnsafeDocument` for a refused file.

    With `prefer_libreoffice` (or env ``REFERRAL_BUILDER_PDF=libreoffice``) and LibreOffice
    installed, LibreOffice renders it; if that fails the ReportLab renderer is used instead.
    `title` sets the PDF's title (default: the DOCX's own title property).
    """
    check_docx(docx)
    wants_lo = prefer_libreoffice or Config.from_env().wants_libreoffice
    if wants_lo and libreoffice_available():
        try:
            return docx_to_pdf_libreoffice(docx)
        except ConversionFailed as exc:
            log.warning("LibreOffice failed, using the built-in renderer: %s", exc)
    try:
        return _Renderer(docx, title).render()
    except ReferralBuilderError:
        raise
    except Exception as exc:  # an odd but safe file must give a message, not a traceback
        log.exception("cannot render a DOCX to PDF")
        raise ConversionFailed(f"The Word document cannot be turned into a PDF: {exc}"
                               ) from None


@lru_cache(maxsize=1)
def renderer_version() -> str:
    """What a PDF made from a Word document depends on, besides the document: this renderer's
    code (this module and the two it draws with), ReportLab's and python-docx's versions and
    the fonts found. A PDF kept for a DOCX (services/letter_pdfs.py) is reused only under the
    same version, so changing any of these draws the letters again."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("docx_pdf.py", "docx_xml.py", "fonts.py"):
        h.update((here / name).read_bytes())
    for package in ("reportlab", "python-docx"):
        try:
            h.update(f"{package} {version(package)}".encode())
        except PackageNotFoundError:
            h.update(f"{package} ?".encode())
    h.update(f"{body_font()} {fallback_font()}".encode())
    return f"builtin-{h.hexdigest()[:24]}"


# ---- the ReportLab renderer ----------------------------------------------------------------


@dataclass
class _Page:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    header_distance: float
    footer_distance: float

    @property
    def frame_width(self) -> float:
        return self.width - self.left - self.right


class _Renderer:
    """One DOCX → PDF conversion. Layout follows the first section's page settings."""

    def __init__(self, data: bytes, title: str) -> None:
        self.doc: DocxDocument = docx.Document(io.BytesIO(data))
        self.title = title or self.doc.core_properties.title or ""
        self.font = body_font()
        normal = self._style_named("Normal")
        size = normal.font.size.pt if normal is not None and normal.font.size else 11.0
        self.base = ParagraphStyle("body", fontName=self.font, fontSize=size,
                                   leading=size * 1.25, spaceAfter=size * 0.6)
        section = self.doc.sections[0]
        self.page = _Page(*(float(v or d) / _EMU_PER_PT for v, d in (
            (section.page_width, 21 * cm * _EMU_PER_PT),
            (section.page_height, 29.7 * cm * _EMU_PER_PT),
            (section.left_margin, 2.54 * cm * _EMU_PER_PT),
            (section.right_margin, 2.54 * cm * _EMU_PER_PT),
            (section.top_margin, 2.54 * cm * _EMU_PER_PT),
            (section.bottom_margin, 2.54 * cm * _EMU_PER_PT),
            (section.header_distance, 1.25 * cm * _EMU_PER_PT),
            (section.footer_distance, 1.25 * cm * _EMU_PER_PT))))
        if not (_MIN_PAGE <= self.page.width <= _MAX_PAGE
                and _MIN_PAGE <= self.page.height <= _MAX_PAGE
                and self.page.frame_width > _MIN_PAGE
                and self.page.height - self.page.top - self.page.bottom > _MIN_PAGE):
            self.page = _Page(*A4_PAGE)  # nonsense page settings: use A4 with 2.54 cm margins
        self._numbers: dict[str, int] = {}
        self.flat = False
        self._styles: dict[str | None, Any] = {}
        self.room = self.page.height - self.page.top - self.page.bottom  # tallest body frame

    def _style_named(self, name: str) -> Any:
        try:
            return self.doc.styles[name]
        except KeyError:
            return None

    def render(self) -> bytes:
        out = io.BytesIO()
        section = self.doc.sections[0]
        first_header = section.first_page_header if section.different_first_page_header_footer \
            else section.header
        first_footer = section.first_page_footer if section.different_first_page_header_footer \
            else section.footer
        templates = [self._template("first", first_header, first_footer, "later"),
                     self._template("later", section.header, section.footer, None)]
        document = BaseDocTemplate(out, pagesize=(self.page.width, self.page.height),
                                   pageTemplates=templates, title=self.title,
                                   author="", creator="referral-builder",
                                   leftMargin=self.page.left, rightMargin=self.page.right,
                                   topMargin=self.page.top, bottomMargin=self.page.bottom)
        try:
            document.build(list(self._blocks(self.doc.element.body)) or [Spacer(1, 1)])
        except LayoutError:
            # A table row or picture taller than a page: print tables as plain paragraphs.
            log.warning("layout too large for a page; rendering tables as paragraphs")
            self.flat = True
            out.seek(0)
            out.truncate()
            document.build(list(self._blocks(self.doc.element.body)) or [Spacer(1, 1)])
        return out.getvalue()

    # -- page templates (letterhead) --

    def _template(self, name: str, header: Any, footer: Any, after: str | None) -> PageTemplate:
        p = self.page
        head = list(self._blocks(header._element, header.part))
        foot = list(self._blocks(footer._element, footer.part))
        # A letterhead may take at most a third of the page; the rest of it is not drawn.
        head_h = min(_height(head, p.frame_width), p.height / 3)
        foot_h = min(_height(foot, p.frame_width), p.height / 3)
        top = max(p.top, p.header_distance + head_h + 6) if head_h else p.top
        bottom = max(p.bottom, p.footer_distance + foot_h + 6) if foot_h else p.bottom
        self.room = min(self.room, p.height - top - bottom)
        frame = Frame(p.left, bottom, p.frame_width, p.height - top - bottom, id=f"{name}-body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

        def decorate(canvas: Canvas, _doc: Any) -> None:
            if head_h:
                _draw(canvas, list(self._blocks(header._element, header.part)), p.left,
                      p.height - p.header_distance - head_h, p.frame_width, head_h)
            if foot_h:
                _draw(canvas, list(self._blocks(footer._element, footer.part)), p.left,
                      p.footer_distance, p.frame_width, foot_h)

        return PageTemplate(id=name, frames=[frame], onPage=decorate,
                            autoNextPageTemplate=after)

    # -- block content --

    def _blocks(self, parent: Any, part: Any = None, depth: int = 0) -> Iterator[Flowable]:
        """Yield flowables for the paragraphs and tables directly in `parent`, in order.

        `part` is the package part the XML belongs to (body, header, footer), through which
        pictures are found; `depth` counts enclosing tables.
        """
        part = part or self.doc.part
        for child in parent.iterchildren():
            if child.tag == qn("w:p"):
                yield from self._paragraph(DocxParagraph(child, part))
            elif child.tag == qn("w:tbl"):
                yield from self._table(DocxTable(child, part), part, depth)
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from self._blocks(content, part, depth)

    def _style_of(self, para: DocxParagraph) -> Any:
        """The paragraph's Word style, looked up once per style id (python-docx is slow)."""
        ppr = para._p.pPr
        style_id = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None
        if style_id not in self._styles:
            self._styles[style_id] = para.style
        return self._styles[style_id]

    def _paragraph_style(self, para: DocxParagraph) -> ParagraphStyle:
        pstyle = self._style_of(para)
        style_name = (pstyle.name if pstyle is not None else "Normal") or "Normal"
        key = style_name.lower()
        fmt = para.paragraph_format
        style_fmt = pstyle.paragraph_format if pstyle is not None else None
        size = self.base.fontSize
        font = self.font
        if key in _HEADING_SIZES or key.startswith("heading"):
            size = _HEADING_SIZES.get(key, 11.0)
            font = bold_font(self.font)
        elif pstyle is not None and pstyle.font.size:
            size = pstyle.font.size.pt
        alignment = fmt.alignment if fmt.alignment is not None else (
            style_fmt.alignment if style_fmt is not None else None)

        def length(name: str, default: float) -> float:
            value = getattr(fmt, name)
            if value is None and style_fmt is not None:
                value = getattr(style_fmt, name)
            return value.pt if value is not None else default

        return ParagraphStyle(
            f"p-{key}", parent=self.base, fontName=font, fontSize=size, leading=size * 1.25,
            alignment=_ALIGN.get(alignment, TA_LEFT) if alignment is not None else TA_LEFT,
            spaceBefore=length("space_before", size * 0.5 if font != self.font else 0),
            spaceAfter=length("space_after", self.base.spaceAfter),
            leftIndent=length("left_indent", 0), rightIndent=length("right_indent", 0),
            keepWithNext=int(bool(fmt.keep_with_next if fmt.keep_with_next is not None else
                                  style_fmt is not None and style_fmt.keep_with_next)),
            firstLineIndent=length("first_line_indent", 0))

    def _paragraph(self, para: DocxParagraph) -> Iterator[Flowable]:
        style = self._paragraph_style(para)
        sizes = [size.pt for r in paragraph_runs(para._p) if (size := Run(r, para).font.size)]
        if sizes and max(sizes) * 1.2 > style.leading:
            style = ParagraphStyle(style.name + "-big", parent=style, leading=max(sizes) * 1.2)
        prefix = self._list_prefix(para)
        if prefix:
            style = ParagraphStyle(style.name + "-list", parent=style,
                                   leftIndent=style.leftIndent + 18, bulletIndent=style.leftIndent,
                                   bulletFontName=self.font, bulletFontSize=style.fontSize)
        pieces: list[str] = []
        pictures: list[Flowable] = []
        first = True
        for part in self._run_markup(para, pictures):
            if part is PAGE_BREAK:
                if first or pieces:
                    yield self._para("".join(pieces), style, prefix if first else None)
                first = False
                pieces = []
                yield PageBreak()
            else:
                pieces.append(part)  # type: ignore[arg-type]
        for picture in pictures:
            picture.hAlign = {TA_CENTER: "CENTER", TA_RIGHT: "RIGHT"}.get(style.alignment, "LEFT")
            yield picture
        if pieces or first:
            yield self._para("".join(pieces), style, prefix if first else None)

    def _para(self, markup: str, style: ParagraphStyle, prefix: str | None) -> Flowable:
        if not markup.strip() and not prefix:
            # An empty paragraph is vertical space in a letter: keep its height.
            spacer = Spacer(1, style.leading + style.spaceAfter)
            spacer.keepWithNext = style.keepWithNext
            return spacer
        return FallbackParagraph(markup, style, bulletText=prefix)

    def _list_prefix(self, para: DocxParagraph) -> str | None:
        pstyle = self._style_of(para)
        name = (pstyle.name if pstyle is not None else "") or ""
        ppr = para._p.pPr
        numbered = ppr is not None and ppr.find(qn("w:numPr")) is not None
        if name.startswith("List Number"):
            self._numbers[name] = self._numbers.get(name, 0) + 1
            return f"{self._numbers[name]}."
        if name.startswith("List Bullet") or numbered:
            return "•"
        return None

    def _run_markup(self, para: DocxParagraph, pictures: list[Flowable]) -> Iterator[object]:
        """Yield Paragraph markup strings for each run, and PAGE_BREAK where one occurs."""
        for r in paragraph_runs(para._p):
            run = Run(r, para)
            if run.font.hidden:
                continue
            open_tags, close_tags = run_tags(run)
            for child in r.iterchildren():
                text = ""
                if child.tag == qn("w:t"):
                    text = escape(unicodedata.normalize("NFC", child.text or ""))
                elif child.tag == qn("w:tab"):
                    text = "&nbsp;" * 4
                elif child.tag in (qn("w:br"), qn("w:cr")):
                    if child.get(qn("w:type")) == "page":
                        yield PAGE_BREAK
                        continue
                    yield "<br/>"
                    continue
                elif child.tag in (qn("w:noBreakHyphen"), qn("w:softHyphen")):
                    text = "-" if child.tag == qn("w:noBreakHyphen") else ""
                elif child.tag == qn("w:drawing"):
                    pictures.extend(self._pictures(child, para.part))
                    continue
                if text:
                    yield open_tags + text + close_tags

    def _pictures(self, drawing: Any, part: Any) -> Iterator[Flowable]:
        for blip in drawing.iter(qn("a:blip")):
            rid = blip.get(qn("r:embed"))
            extent = next(drawing.iter(qn("wp:extent")), None)
            try:
                blob = part.related_parts[rid].blob if rid else None
            except KeyError:
                blob = None
            if blob is None or extent is None:
                continue
            width = int(extent.get("cx", "0")) / _EMU_PER_PT
            height = int(extent.get("cy", "0")) / _EMU_PER_PT
            room = self.room - 12
            scale = min(1.0, self.page.frame_width / max(width, 1), room / max(height, 1))
            try:
                yield Image(io.BytesIO(blob), width * scale, height * scale)
            except Exception as exc:  # an unreadable picture should not lose the letter
                log.warning("picture %s skipped: %s", rid, exc)

    def _table(self, table: DocxTable, part: Any, depth: int) -> Iterator[Flowable]:
        if self.flat or depth >= MAX_TABLE_DEPTH:
            for tr in table._tbl.tr_lst:
                for tc in tr.tc_lst:
                    yield from self._blocks(tc, part, depth + 1)
            return
        rows: list[list[list[Flowable]]] = []
        for tr in table._tbl.tr_lst:
            cells = []
            for tc in tr.tc_lst:
                cells.append(list(self._blocks(tc, part, depth + 1)) or [Spacer(1, 1)])
            rows.append(cells)
        ncols = max((len(r) for r in rows), default=1)
        for r in rows:
            r.extend([[Spacer(1, 1)]] * (ncols - len(r)))
        widths = self._column_widths(table, ncols)
        grid = has_borders(table)
        out = Table(rows or [[[Spacer(1, 1)]]], colWidths=widths, hAlign="LEFT", splitInRow=1,
                    spaceAfter=self.base.spaceAfter)
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4 if grid else 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4 if grid else 6),
        ]
        if grid:
            commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
        out.setStyle(TableStyle(commands))
        yield out

    def _column_widths(self, table: DocxTable, ncols: int) -> list[float]:
        grid = [int(g.get(qn("w:w"), "0") or 0) / 20 for g in
                table._tbl.tblGrid.iterchildren(qn("w:gridCol"))]
        total = sum(grid)
        if len(grid) != ncols or not total:
            return [self.page.frame_width / ncols] * ncols
        scale = min(1.0, self.page.frame_width / total)
        return [w * scale for w in grid]


PAGE_BREAK = object()
MAX_TABLE_DEPTH = 3  # deeper tables print as paragraphs: ReportLab cannot split them


def _height(flowables: list[Flowable], width: float) -> float:
    total = 0.0
    for f in flowables:
        _, h = f.wrap(width, 10_000)
        total += h + f.getSpaceBefore() + f.getSpaceAfter()
    return total


def _draw(canvas: Canvas, flowables: list[Flowable], x: float, y: float, width: float,
          height: float) -> None:
    frame = Frame(x, y, width, height + 1, leftPadding=0, rightPadding=0, topPadding=0,
                  bottomPadding=0)
    frame.addFromList(flowables, canvas)


__all__ = ["ConversionFailed", "FallbackParagraph", "UnsafeDocument", "body_font", "docx_to_pdf",
           "docx_to_pdf_libreoffice", "fallback_font", "libreoffice_available", "renderer_version",
           "with_fallback"]
