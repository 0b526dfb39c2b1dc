"""Reading a Word document's XML where python-docx does not: every run of a paragraph,
a run's formatting as Paragraph markup, and whether a table has borders."""

from __future__ import annotations

from typing import Any

from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.text.run import Run


def paragraph_runs(p: Any) -> list[Any]:
    """The runs of a paragraph, including those in hyperlinks and text boxes, but not the
    copies Word keeps in ``mc:Fallback`` for old readers (they would print twice)."""
    return [r for r in p.iter(qn("w:r"))
            if not any(a.tag == f"{{{_MC}}}Fallback" for a in r.iterancestors())]


_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def run_tags(run: Run) -> tuple[str, str]:
    tags = []
    if run.bold:
        tags.append("b")
    if run.italic:
        tags.append("i")
    if run.underline:
        tags.append("u")
    if run.font.strike:
        tags.append("strike")
    if run.font.superscript:
        tags.append("super")
    elif run.font.subscript:
        tags.append("sub")
    opening = "".join(f"<{t}>" for t in tags)
    closing = "".join(f"</{t}>" for t in reversed(tags))
    if run.font.size:
        opening = f'<font size="{run.font.size.pt:g}">' + opening
        closing += "</font>"
    return opening, closing


def has_borders(table: DocxTable) -> bool:
    if table.style is not None and "grid" in (table.style.name or "").lower():
        return True
    tbl_pr = table._tbl.tblPr
    borders = tbl_pr.find(qn("w:tblBorders")) if tbl_pr is not None else None
    if borders is None:
        return False
    return any(b.get(qn("w:val")) not in (None, "nil", "none") for b in borders)
