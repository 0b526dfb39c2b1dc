"""Shared page layout for generated bundle pages: fonts, styles, tables, link spots.

Generated parts are laid out by ReportLab and merged later by pypdf, so a link cannot point
at a page of another part by name. Instead a `LinkSpot` flowable records where it was drawn
(page within its part and rectangle); the bundle turns each spot into a PDF link annotation
once it knows which bundle page the target starts on.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from referral_builder.documents.fonts import FallbackParagraph, body_font, bold_font

PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN = 18 * mm
#: Room left at the foot of every page for the bundle's "Page N of M" stamp.
FOOTER_ROOM = 14 * mm
GREY = colors.HexColor("#505a5f")
LIGHT = colors.HexColor("#f3f2f1")
RED = colors.HexColor("#f6d7d2")
AMBER = colors.HexColor("#fff2cc")
BLUE = colors.HexColor("#1d70b8")


def fonts() -> tuple[str, str]:
    """Return (regular, bold): Liberation Sans (DejaVu Sans for what it lacks), else DejaVu Sans,
    else Helvetica."""
    family = body_font()
    return family, bold_font(family)


def styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=12, leading=15, spaceAfter=6)
    return {
        "body": body,
        "small": ParagraphStyle("small", body, fontSize=10, leading=12.5, spaceAfter=0),
        "cell": ParagraphStyle("cell", body, fontSize=10, leading=12.5, spaceAfter=0),
        "cellb": ParagraphStyle("cellb", body, fontName=bold, fontSize=10, leading=12.5,
                                spaceAfter=0),
        # A heading always keeps company with what follows it (never alone at a page foot).
        "h1": ParagraphStyle("h1", body, fontName=bold, fontSize=20, leading=25, spaceAfter=10,
                             keepWithNext=1),
        # (h2 comes before long tables: `heading()` keeps it off a page foot instead.)
        "h2": ParagraphStyle("h2", body, fontName=bold, fontSize=14, leading=18, spaceBefore=8,
                             spaceAfter=6),
        "bold": ParagraphStyle("bold", body, fontName=bold),
        "right": ParagraphStyle("right", body, alignment=TA_RIGHT, spaceAfter=0),
        "warning": ParagraphStyle("warning", body, fontName=bold, backColor=AMBER,
                                  borderPadding=6, spaceBefore=6, spaceAfter=12),
    }


def text(value: object) -> str:
    """Escape a value for a Paragraph (names and notes are user input)."""
    return escape(str(value)) if value is not None else ""


def long_date(d: dt.date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else "no date"


def short_date(d: dt.date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else "no date"


def pages_text(pages: Sequence[int]) -> str:
    """Say which bundle pages: "p. 12" or "pp. 12, 15"."""
    unique = sorted(set(pages))
    if not unique:
        return ""
    return f"p. {unique[0]}" if len(unique) == 1 else "pp. " + ", ".join(map(str, unique))


@dataclass
class Spot:
    """A rectangle on page `page` (0-based, within its part) that links to `target`."""

    page: int
    rect: tuple[float, float, float, float]
    target: str


@dataclass
class Part:
    """A rendered part of the bundle and the link spots drawn on it."""

    pdf: bytes
    page_count: int
    spots: list[Spot] = field(default_factory=list)
    _reader: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, pdf: bytes) -> Part:
        """A part made elsewhere (an uploaded or converted document): count its pages."""
        part = cls(pdf, 0)
        part.page_count = len(part.reader().pages)
        return part

    def reader(self) -> Any:
        """The part's pages read by pypdf, once (reading a PDF parses its page tree)."""
        if self._reader is None:
            from pypdf import PdfReader

            self._reader = PdfReader(io.BytesIO(self.pdf))
        return self._reader


class LinkSpot(Flowable):
    """Draw a flowable and record its rectangle as a link to `target`."""

    def __init__(self, inner: Flowable, target: str | None, spots: list[Spot]) -> None:
        super().__init__()
        self.inner, self.target, self.spots = inner, target, spots

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = self.inner.wrap(avail_width, avail_height)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        """Split like the flowable inside, each piece still a link (a cell of any length)."""
        return [LinkSpot(piece, self.target, self.spots)
                for piece in self.inner.split(avail_width, avail_height)]

    def draw(self) -> None:
        self.inner.drawOn(self.canv, 0, 0)
        if self.target:
            x1, y1 = self.canv.absolutePosition(0, 0)
            x2, y2 = self.canv.absolutePosition(self.width, self.height)
            self.spots.append(Spot(self.canv.getPageNumber() - 1,
                                   (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)),
                                   self.target))


_BASE_STYLE: tuple[tuple[Any, ...], ...] = (
    ("GRID", (0, 0), (-1, -1), 0.4, GREY),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
)
#: Tables longer than this are laid out a page at a time (`LongTable`).
LONG_TABLE_ROWS = 40


def _plain_table(rows: list[list[Any]], widths: Sequence[float], header: bool,
                 extra: Sequence[tuple[Any, ...]]) -> Table:
    # Split inside a row first: the rest of a tall row then goes to the next page under the
    # repeated header, never mid-page under a second one (ReportLab places the rest of a
    # by-row split in the space left, then splits it in-row there).
    t = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0, splitInRow=1,
              splitByRow=0)
    commands = list(_BASE_STYLE)
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), LIGHT))
    t.setStyle(TableStyle(commands + list(extra)))
    return t


def table(rows: list[list[Any]], widths: Sequence[float], *, header: bool = True,
          extra: Sequence[tuple[Any, ...]] = ()) -> Flowable:
    """A bordered table with a repeated shaded header row; any row may split over pages.

    `extra` style commands name rows by their index in `rows` (the header is row 0).
    """
    if header and len(rows) > LONG_TABLE_ROWS:
        return LongTable(rows, widths, extra)
    return _plain_table(rows, widths, header, extra)


class _NextFrame(Flowable):
    """Go on at the top of the next frame unless already there, so the rest of a split
    table never starts again mid-page under a second header row."""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        frame = self._doctemplateAttr("frame")
        if frame is not None and not getattr(frame, "_atTop", True):
            from reportlab.platypus.doctemplate import FrameBreak

            frame.add_generated_content(FrameBreak)
        return 0, 0

    def draw(self) -> None:
        return None


class LongTable(Flowable):
    """A table with a header row, laid out one page at a time.

    ReportLab re-measures a whole table each time it splits it at a page foot, so one long
    table costs rows x pages (a 2,000-event chronology took minutes). This flowable only
    measures the rows that can fit on the current page, makes a plain `Table` of those
    (which may split its last row), and carries the rest over: linear in rows and pages.
    """

    def __init__(self, rows: list[list[Any]], widths: Sequence[float],
                 extra: Sequence[tuple[Any, ...]], first_row: int = 1,
                 carried: list[Any] | None = None) -> None:
        super().__init__()
        self.rows, self.widths, self.extra = rows, list(widths), extra
        #: The first body row still to lay out, and the rest of it if it was split.
        self.first_row, self.carried = first_row, carried

    def _row(self, n: int) -> list[Any]:
        return self.carried if n == self.first_row and self.carried is not None else self.rows[n]

    def _row_height(self, row: list[Any]) -> float:
        tallest = 0.0
        for cell, w in zip(row, self.widths, strict=True):
            if isinstance(cell, Flowable):
                tallest = max(tallest, cell.wrap(w - 8, 1e9)[1])
        return tallest + 6  # top and bottom padding

    def _fits(self, avail_height: float) -> int:
        """How many body rows to try on a page of `avail_height` (one more than fit)."""
        used = self._row_height(self.rows[0])
        n = self.first_row
        while n < len(self.rows) and used <= avail_height:
            used += self._row_height(self._row(n))
            n += 1
        return n - self.first_row

    def _table(self, count: int) -> Table:
        first = self.first_row
        body = [self._row(n) for n in range(first, min(first + count, len(self.rows)))]
        extra = []
        for cmd in self.extra:  # keep the commands that name these rows, renumbered
            (c0, r0), (c1, r1) = cmd[1], cmd[2]
            if r0 >= 1 and first <= r0 < first + len(body):
                extra.append((cmd[0], (c0, r0 - first + 1), (c1, r1 - first + 1), *cmd[3:]))
        return _plain_table([self.rows[0], *body], self.widths, True, extra)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = sum(self.widths)
        count = self._fits(avail_height)
        if self.first_row + count < len(self.rows):
            # Taller than the room left is all the frame needs to know to split this.
            self.height = avail_height + 1
        else:
            self.height = self._table(count).wrap(avail_width, avail_height)[1]
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        count = self._fits(avail_height)
        parts = self._table(count).split(avail_width, avail_height)
        if not parts:
            return []
        if len(parts) == 1:
            rest, carried = self.first_row + count, None
        else:
            shown = len(parts[0]._cellvalues) - 1
            left = [list(r) for r in parts[1]._cellvalues[1:]]
            # A row split in two appears in both pieces: its rest comes first next page.
            split_row = shown + len(left) > count
            rest = self.first_row + shown - (1 if split_row else 0)
            carried = left[0] if split_row else None
        if rest >= len(self.rows):
            return [parts[0]]
        return [parts[0], _NextFrame(),
                LongTable(self.rows, self.widths, self.extra, rest, carried)]

    def draw(self) -> None:  # only reached when every remaining row fits
        t = self._table(len(self.rows) - self.first_row)
        t.wrapOn(self.canv, self.width, self.height)
        t.drawOn(self.canv, 0, 0)


_MEASURING: contextvars.ContextVar[bool] = contextvars.ContextVar("measuring", default=False)


@contextlib.contextmanager
def measuring(on: bool = True) -> Iterator[None]:
    """Within this block `render` only counts pages: it lays out but draws nothing (the
    bundle settles its page numbers this way, then draws each part once)."""
    token = _MEASURING.set(on)
    try:
        yield
    finally:
        _MEASURING.reset(token)


class _MeasureFrame(Frame):
    """A frame that places flowables exactly as `Frame` does but skips drawing them."""

    def _add(self, flowable: Flowable, canv: Any, trySplit: int = 0) -> int:
        flowable.drawOn = _no_drawing
        try:
            return int(super()._add(flowable, canv, trySplit))
        finally:
            flowable.__dict__.pop("drawOn", None)

    add = _add  # `Frame.add` is an alias bound to `Frame._add`


def _no_drawing(*_args: Any, **_kwargs: Any) -> None:
    return None


class _MeasureDoc(SimpleDocTemplate):
    def build(self, flowables: list[Flowable]) -> None:
        self._calc()
        frame = _MeasureFrame(self.leftMargin, self.bottomMargin, self.width, self.height,
                              id="normal")
        self.addPageTemplates([PageTemplate(id="First", frames=frame, pagesize=self.pagesize),
                               PageTemplate(id="Later", frames=frame, pagesize=self.pagesize)])
        BaseDocTemplate.build(self, flowables)


def render(story: list[Flowable], *, title: str, pagesize: tuple[float, float] = PORTRAIT,
           spots: list[Spot] | None = None) -> Part:
    """Lay out `story` on pages of `pagesize` and return the PDF with its link spots (only
    the page count, and no PDF, while `measuring`)."""
    out = io.BytesIO()
    measure = _MEASURING.get()
    doc = (_MeasureDoc if measure else SimpleDocTemplate)(
        out, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_ROOM, title=title, author="referral-builder",
        creator="referral-builder")
    doc.build(story)
    return Part(b"" if measure else out.getvalue(), doc.page,
                spots if spots is not None else [])


def frame_width(pagesize: tuple[float, float]) -> float:
    return float(pagesize[0] - 2 * MARGIN)


class _Paragraph(FallbackParagraph):
    """A paragraph that breaks its lines once per width.

    A table that splits over pages is re-measured whole on every page (ReportLab wraps every
    remaining cell again), which made a long chronology quadratic in its rows: 2,000 events
    took minutes. Line breaks depend only on the width, so keep them while it is unchanged.
    """

    _wrapped: tuple[float, float, float] | None = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if (self._wrapped is not None and self._wrapped[0] == avail_width
                and hasattr(self, "blPara")):  # split() drops blPara when it refuses
            self.width, self.height = self._wrapped[1], self._wrapped[2]
            return self.width, self.height
        width, height = super().wrap(avail_width, avail_height)
        self._wrapped = (avail_width, width, height)
        return width, height


#: Room a heading needs below it: itself and the first few lines of what it introduces.
HEADING_ROOM = 45 * mm


def heading(markup: str, style: ParagraphStyle) -> list[Flowable]:
    """A heading that starts a new page rather than sit alone at the foot of one.

    `keepWithNext` alone cannot do this before a long table (the pair is taller than a
    page, so ReportLab lets the heading stay), hence the conditional page break.
    """
    return [CondPageBreak(HEADING_ROOM), para(markup, style)]


#: A bundle section's divider heading: (letter, title, description).
Divider = tuple[str, str, str]


def section_head(title: str, divider: Divider | None = None) -> list[Flowable]:
    """The title of a generated part; in the bundle, its section's divider heading ("Section
    A", the title, what the section holds) printed at the top of the part's first page
    rather than on a page of its own. Each line keeps with the next."""
    st = styles()
    if divider is None:
        return [para(text(title), st["h1"])]
    letter, name, description = divider
    kicker = ParagraphStyle("section", st["h2"], spaceBefore=0, spaceAfter=2, keepWithNext=1,
                            textColor=colors.HexColor("#505a5f"))
    return [para(f"Section {text(letter)}", kicker), para(text(name), st["h1"]),
            para(text(description), ParagraphStyle("lede", st["small"], spaceAfter=8,
                                                   keepWithNext=1))]


def para(markup: str, style: ParagraphStyle) -> Paragraph:
    return _Paragraph(markup, style)
