"""The built-in DOCX → PDF renderer keeps a letter's text, formatting and letterhead."""

from __future__ import annotations

import contextlib
import io
import os

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt
from pypdf import PdfReader

from referral_builder.documents import docx_pdf, libreoffice
from referral_builder.documents.docx_pdf import (
    ConversionFailed,
    docx_to_pdf,
    docx_to_pdf_libreoffice,
    libreoffice_available,
)
from referral_builder.documents.safety import UnsafeDocument


def save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def letter() -> bytes:
    d = docx.Document()
    head = d.sections[0].header.paragraphs[0]
    head.text = "Bloxwich Academy Primary, Leamore Lane, Walsall WS3 1AA"
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.sections[0].footer.paragraphs[0].text = "Head teacher: Mrs A Head"
    d.add_heading("Attendance concern", 1)
    p = d.add_paragraph("Dear ")
    p.add_run("Łukasz Nowak").bold = True
    p.add_run(",")
    p = d.add_paragraph("Zoë's attendance is ")
    p.add_run("78.2%").italic = True
    p.add_run(" this year.").underline = True
    d.add_paragraph("")
    d.add_paragraph("Speak to the attendance officer", style="List Bullet")
    t = d.add_table(rows=2, cols=2)
    t.style = "Table Grid"
    t.cell(0, 0).text, t.cell(0, 1).text = "Possible sessions", "220"
    t.cell(1, 0).text, t.cell(1, 1).text = "Unauthorised", "28"
    p = d.add_paragraph("Yours sincerely")
    p.add_run().add_break()
    p.add_run("Mrs A Head")
    p = d.add_paragraph("Before the break")
    p.add_run().add_break(WD_BREAK.PAGE)
    p.add_run("Attendance certificate enclosed")
    return save(d)


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_pdf_text_contains_the_letter_including_polish_and_welsh_letters():
    text = "\n".join(pages(docx_to_pdf(letter())))
    for expected in ("Attendance concern", "Dear Łukasz Nowak,", "Zoë's attendance is 78.2%",
                     "Possible sessions", "220", "Unauthorised", "28",
                     "Speak to the attendance officer", "Yours sincerely", "Mrs A Head"):
        assert expected in text


def test_page_break_starts_a_new_page_and_the_letterhead_repeats():
    first, second = pages(docx_to_pdf(letter()))
    assert "Before the break" in first and "Attendance certificate enclosed" not in first
    assert "Attendance certificate enclosed" in second
    for page in (first, second):
        assert "Bloxwich Academy Primary, Leamore Lane" in page
        assert "Head teacher: Mrs A Head" in page


def test_a_different_first_page_header_is_used_only_on_page_one():
    d = docx.Document()
    section = d.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "LETTERHEAD"
    section.header.paragraphs[0].text = "continued"
    p = d.add_paragraph("one")
    p.add_run().add_break(WD_BREAK.PAGE)
    p.add_run("two")
    first, second = pages(docx_to_pdf(save(d)))
    assert "LETTERHEAD" in first and "continued" not in first
    assert "continued" in second and "LETTERHEAD" not in second


def font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"]["/Font"]
        names |= {str(f.get_object()["/BaseFont"]).split("+")[-1] for f in fonts.values()}
    return names


def test_letters_are_drawn_in_liberation_sans_the_metrics_of_arial():
    if docx_pdf.body_font() != "LiberationSans":
        pytest.skip("fonts-liberation is not installed (scripts/system-deps.sh)")
    names = font_names(docx_to_pdf(letter()))
    # ReportLab always lists Helvetica as the canvas's initial font; the text uses Liberation.
    assert {"LiberationSans", "LiberationSans-Bold", "LiberationSans-Italic"} <= names
    assert not any(n.startswith("DejaVu") for n in names)  # Ł, ö: all in Liberation


def test_a_character_liberation_lacks_is_drawn_in_dejavu_and_kept():
    if docx_pdf.body_font() != "LiberationSans" or docx_pdf.fallback_font() is None:
        pytest.skip("fonts-liberation or fonts-dejavu-core is not installed")
    d = docx.Document()
    p = d.add_paragraph("Dear ")
    p.add_run("Nguyễn Thị Ánh").bold = True  # ễ is not in Liberation Sans
    p.add_run(", Αλέξης Παπαδόπουλος, Жанна Иванова, Գոհար Սարգսյան and Łukasz Wróbel")
    pdf = docx_to_pdf(save(d))
    assert {"LiberationSans", "LiberationSans-Bold", "DejaVuSans", "DejaVuSans-Bold"} <= (
        font_names(pdf))
    text = pages(pdf)[0]
    for name in ("Nguyễn Thị Ánh", "Αλέξης Παπαδόπουλος", "Жанна Иванова", "Գոհար Սարգսյան",
                 "Łukasz Wróbel"):
        assert name in text


def line_ends(pdf: bytes) -> list[str]:
    """The last word of each line of body text, as pdftotext lays the page out."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    return [line.split()[-1] for line in out.splitlines() if len(line.split()) > 3]


def wrapping_letter() -> bytes:
    d = docx.Document()
    style = d.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    for n in range(3):
        d.add_paragraph(
            f"Paragraph {n + 1}. We are writing about Zoë's attendance, which has fallen to "
            "82.3% this term, below the level the school expects. We would like to meet you "
            "to agree a plan of support with the pastoral team, the school nurse and Early "
            "Help, and to explain what happens if attendance does not improve by half term.")
    return save(d)


@pytest.mark.skipif(not libreoffice_available(),
                    reason="LibreOffice (soffice) is not installed: cannot compare line breaks")
def test_line_breaks_match_a_libreoffice_rendering_of_the_same_letter():
    if docx_pdf.body_font() != "LiberationSans":
        pytest.skip("fonts-liberation is not installed (scripts/system-deps.sh)")
    data = wrapping_letter()
    ours = line_ends(docx_to_pdf(data))
    theirs = line_ends(docx_to_pdf_libreoffice(data))
    assert ours == theirs


def test_pdf_takes_the_title_and_the_page_size():
    d = docx.Document()
    d.sections[0].orientation = WD_ORIENT.LANDSCAPE
    d.sections[0].page_width, d.sections[0].page_height = Cm(29.7), Cm(21)
    d.add_paragraph("wide")
    reader = PdfReader(io.BytesIO(docx_to_pdf(save(d), title="Letter to Jane Smith")))
    assert reader.metadata.title == "Letter to Jane Smith"
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)


def test_an_empty_document_renders_one_page():
    assert len(pages(docx_to_pdf(save(docx.Document())))) == 1


def test_long_text_flows_onto_more_pages():
    d = docx.Document()
    for n in range(120):
        d.add_paragraph(f"Paragraph {n} about attendance.")
    text = pages(docx_to_pdf(save(d)))
    assert len(text) >= 3
    assert "Paragraph 119" in text[-1]


def test_a_hostile_docx_is_refused_before_rendering():
    with pytest.raises(UnsafeDocument):
        docx_to_pdf(b"PK\x03\x04 not really")


def test_libreoffice_conversion_is_refused_cleanly_when_not_installed(monkeypatch):
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    assert not libreoffice_available()
    with pytest.raises(ConversionFailed, match="not installed"):
        docx_to_pdf_libreoffice(letter())
    # prefer_libreoffice falls back to the built-in renderer
    assert "Dear Łukasz Nowak," in pages(docx_to_pdf(letter(), prefer_libreoffice=True))[0]


@pytest.mark.slow
@pytest.mark.skipif(not libreoffice_available(), reason="LibreOffice is not installed")
def test_libreoffice_renders_the_letter():
    text = "\n".join(pages(docx_to_pdf_libreoffice(letter())))
    assert "Łukasz Nowak" in text


# ---- awkward but legitimate documents ------------------------------------------------------


def png(width: int, height: int) -> io.BytesIO:
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("RGB", (width, height), "navy").save(out, "PNG")
    out.seek(0)
    return out


def image_count(page) -> int:
    xobjects = page["/Resources"].get("/XObject", {})
    return sum(1 for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image")


def test_a_table_cell_longer_than_a_page_is_split_across_pages():
    d = docx.Document()
    cell = d.add_table(rows=1, cols=1).cell(0, 0)
    for n in range(150):
        cell.add_paragraph(f"Call log entry {n}")
    text = pages(docx_to_pdf(save(d)))
    assert len(text) >= 3 and "Call log entry 149" in text[-1]


def test_deeply_nested_tables_still_print_their_text():
    d = docx.Document()
    cell = d.add_table(rows=1, cols=1).cell(0, 0)
    for _ in range(30):
        cell = cell.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "innermost"
    assert "innermost" in pages(docx_to_pdf(save(d)))[0]


def test_a_letterhead_logo_in_the_header_is_drawn_and_a_tall_picture_is_shrunk():
    d = docx.Document()
    d.sections[0].header.paragraphs[0].add_run().add_picture(png(40, 40), width=Cm(2))
    d.add_picture(png(20, 400), width=Cm(3), height=Cm(60))
    d.add_paragraph("after the picture")
    reader = PdfReader(io.BytesIO(docx_to_pdf(save(d))))
    assert image_count(reader.pages[0]) == 2  # the logo and the shrunk picture
    assert "after the picture" in "".join(p.extract_text() for p in reader.pages)


def test_text_word_keeps_for_old_readers_is_not_printed_twice():
    from docx.oxml import parse_xml

    d = docx.Document()
    p = d.add_paragraph("Before ")
    p._p.append(parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:r><w:t>BOXED</w:t></w:r></mc:Choice>'
        "<mc:Fallback><w:r><w:t>BOXED</w:t></w:r></mc:Fallback></mc:AlternateContent></w:r>"))
    assert pages(docx_to_pdf(save(d)))[0].count("BOXED") == 1


@pytest.mark.slow
def test_damaged_docx_gives_a_message_never_a_crash():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    original = letter()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)),
                    min_size=1, max_size=8))
    def damaged(flips):
        data = bytearray(original)
        for index, value in flips:
            data[index] = value
        with contextlib.suppress(UnsafeDocument, ConversionFailed):
            assert docx_to_pdf(bytes(data))[:5] == b"%PDF-"

    damaged()


# ---- LibreOffice, with a stand-in `soffice` ------------------------------------------------

FAKE_SOFFICE = """#!/bin/sh
# A stand-in for LibreOffice: write a tiny PDF named after the input into --outdir.
{behaviour}
while [ $# -gt 0 ]; do
  case "$1" in --outdir) out="$2"; shift;; *.docx) src="$1";; esac; shift
done
name=$(basename "$src" .docx)
printf '%%PDF-1.4 fake from %s' "$src" > "$out/$name.pdf"
"""


def fake_soffice(tmp_path, monkeypatch, behaviour: str = "") -> None:
    script = tmp_path / "bin" / "soffice"
    script.parent.mkdir()
    script.write_text(FAKE_SOFFICE.format(behaviour=behaviour))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ.get('PATH', '')}")


def test_libreoffice_is_used_when_preferred_and_installed(tmp_path, monkeypatch):
    fake_soffice(tmp_path, monkeypatch)
    assert libreoffice_available()
    assert docx_to_pdf(letter(), prefer_libreoffice=True).startswith(b"%PDF-1.4 fake")
    monkeypatch.setenv("REFERRAL_BUILDER_PDF", "libreoffice")
    assert docx_to_pdf(letter()).startswith(b"%PDF-1.4 fake")


def test_libreoffice_failure_is_reported_and_docx_to_pdf_falls_back(tmp_path, monkeypatch):
    fake_soffice(tmp_path, monkeypatch, "echo 'source file could not be loaded' >&2; exit 1")
    with pytest.raises(ConversionFailed, match="exited with 1: source file could not be"):
        docx_to_pdf_libreoffice(letter())
    assert "Dear Łukasz Nowak," in pages(docx_to_pdf(letter(), prefer_libreoffice=True))[0]


def test_libreoffice_that_hangs_is_stopped(tmp_path, monkeypatch):
    fake_soffice(tmp_path, monkeypatch, "exec sleep 5")
    with pytest.raises(ConversionFailed, match=r"longer than 0\.5 s"):
        docx_to_pdf_libreoffice(letter(), timeout=0.5)


def test_nonsense_page_settings_and_a_giant_letterhead_still_give_a_letter():
    d = docx.Document()
    section = d.sections[0]
    section.left_margin = section.right_margin = Cm(15)  # wider than the page
    for n in range(80):
        section.header.add_paragraph(f"letterhead line {n}")
    d.add_paragraph("The body of the letter")
    text = pages(docx_to_pdf(save(d)))
    assert "The body of the letter" in "".join(text)
    assert "letterhead line 0" in text[0]
