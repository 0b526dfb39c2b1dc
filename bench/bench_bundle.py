"""Benchmark: build the bundle for a large, realistic case and print time, pages and memory.

A full school year of marks, 300 events, 30 generated letters (DOCX, converted by
`docx_to_pdf`) and 20 uploaded PDFs of 15 pages each (300 pages, a quarter of them scans),
all written to a temporary folder and read back through `open_document` as the CLI does.
When LibreOffice (`soffice`) is installed it also times the docassemble way: LibreOffice per
DOCX, one at a time, then plain concatenation with no index, bookmarks or page numbers.

Run with `make bench`.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_check import large_case

from referral_builder.domain.model import Document
from referral_builder.services.bundling import build_bundle

LETTERS, UPLOADS, PAGES_PER_UPLOAD = 30, 20, 15


def letter_docx(n: int, when: dt.date) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("Bloxwich Academy Primary", level=1)
    d.add_paragraph("Attendance Office, 1 School Lane, Walsall WS3 1AA")
    d.add_paragraph(f"{when.day} {when:%B %Y}")
    d.add_paragraph("Dear Ms Smith and Mr Nowak,")
    for _ in range(4):
        d.add_paragraph(
            f"Letter {n}: we are writing about Zoë's attendance, which is below the level "
            "expected. We would like to work with you to improve it and offer support from "
            "our pastoral team, the school nurse and Early Help.")
    table = d.add_table(rows=3, cols=2)
    for r, (k, v) in enumerate((("Possible sessions", "220"), ("Attended", "181"),
                                ("Attendance", "82.3%"))):
        table.cell(r, 0).text, table.cell(r, 1).text = k, v
    d.add_paragraph("Yours sincerely,")
    d.add_paragraph("Sam Patel, Designated Safeguarding Lead")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def upload_pdf(n: int, scan: bool) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    c = Canvas(out, pagesize=A4)
    image = None
    if scan:
        from PIL import Image, ImageDraw

        img = Image.new("L", (850, 1100), 245)
        draw = ImageDraw.Draw(img)
        rng = random.Random(n)
        for y in range(80, 1000, 22):
            draw.line((70, y, 70 + rng.randint(300, 700), y), fill=40, width=3)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=60)
        image = ImageReader(io.BytesIO(buf.getvalue()))
    for p in range(1, PAGES_PER_UPLOAD + 1):
        if image is not None:
            c.drawImage(image, 0, 0, A4[0], A4[1])
        else:
            c.setFont("Helvetica-Bold", 14)
            c.drawString(60, 780, f"Uploaded evidence {n}: meeting notes, page {p}")
            c.setFont("Helvetica", 10)
            for line in range(50):
                c.drawString(60, 750 - 13 * line, f"Line {line + 1}: notes of the discussion "
                             "with the family about attendance, support and next steps.")
        c.showPage()
    c.save()
    return out.getvalue()


def bench_case(folder: Path):  # type: ignore[no-untyped-def]
    """The bench_check case, with 30 DOCX letters and 20 uploads attached to its events."""
    case = large_case()
    rng = random.Random(11)
    letters = [e for e in case.events if e.type == "letter"][:LETTERS]
    others = [e for e in case.events if e.type not in ("letter", "email")][:UPLOADS]
    docs, attach = [], {}
    for n, e in enumerate(letters, start=1):
        name = f"letters/letter-{n:02d}.docx"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(letter_docx(n, e.date or case.referral_date))
        docs.append(Document(f"L{n}", name, f"Letter {n}"))
        attach[e.id] = (f"L{n}",)
    for n, e in enumerate(others, start=1):
        name = f"evidence/upload-{n:02d}.pdf"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(upload_pdf(n, scan=n % 4 == 0))
        docs.append(Document(f"U{n}", name, f"Uploaded evidence {n}"))
        attach[e.id] = (f"U{n}",)
    events = tuple(replace(e, documents=attach.get(e.id, ())) for e in case.events)
    rng.shuffle(docs)
    return replace(case, events=events, documents=tuple(docs))


def ours(case, folder: Path) -> tuple[float, object, list[tuple[str, float]]]:  # type: ignore[no-untyped-def]
    phases: list[tuple[str, float]] = []
    start = time.perf_counter()

    def progress(msg: str) -> None:
        phases.append((msg, time.perf_counter() - start))

    from referral_builder.schemas.case import LoadedCase

    bundle = build_bundle(LoadedCase(case),
                          open_document=lambda d: (folder / d.file).read_bytes(),
                          draft=True, progress=progress)
    return time.perf_counter() - start, bundle, phases


def docassemble_way(case, folder: Path) -> float | None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader, PdfWriter

    from referral_builder.documents.docx_pdf import docx_to_pdf_libreoffice, libreoffice_available

    if not libreoffice_available():
        return None
    start = time.perf_counter()
    writer = PdfWriter()
    for d in case.documents:
        data = (folder / d.file).read_bytes()
        pdf = docx_to_pdf_libreoffice(data) if d.file.endswith(".docx") else data
        writer.append(PdfReader(io.BytesIO(pdf)))
    writer.write(io.BytesIO())
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        case = bench_case(folder)
        upload_bytes = sum((folder / d.file).stat().st_size for d in case.documents
                           if d.file.endswith(".pdf"))
        print(f"bundle bench: {len(case.marks)} marks, {len(case.events)} events, "
              f"{LETTERS} DOCX letters, {UPLOADS} uploads ({UPLOADS * PAGES_PER_UPLOAD} pages, "
              f"{upload_bytes / 1e6:.1f} MB)")
        wall, bundle, phases = ours(case, folder)
        marks = [*phases, ("done", wall)]
        for (msg, at), (_next, until) in itertools.pairwise(marks):
            print(f"  {msg:<45} {until - at:6.2f} s")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"build_bundle wall time {wall:6.2f} s: {bundle.page_count} pages, "  # type: ignore[attr-defined]
              f"{len(bundle.pdf) / 1e6:.1f} MB PDF")  # type: ignore[attr-defined]
        if len(sys.argv) > 1:  # bench_bundle.py OUT.pdf keeps the bundle to look at
            Path(sys.argv[1]).write_bytes(bundle.pdf)  # type: ignore[attr-defined]
        print(f"peak RSS: this process {rss:.0f} MB, largest sanitiser child {child:.0f} MB")
        tracemalloc.start()
        ours(case, folder)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak Python memory (tracemalloc, second run) {peak / 1e6:.0f} MB")
        other = docassemble_way(case, folder)
        if other is None:
            print("docassemble way: skipped (LibreOffice `soffice` is not installed)")
        else:
            print(f"docassemble way (LibreOffice per DOCX, then concatenation): {other:6.2f} s; "
                  f"ratio {other / wall:.1f}x the time of build_bundle")


if __name__ == "__main__":
    main()
