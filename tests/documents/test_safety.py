"""Hostile Word files are refused with a message that says why, before anything parses them."""

from __future__ import annotations

import io
import random
import re
import zipfile

import docx
import pytest

from referral_builder.documents.safety import UnsafeDocument, check_docx
from referral_builder.domain.errors import ReferralBuilderError


def plain_docx(text: str = "Dear Jane Smith") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rebuilt(extra: dict[str, bytes] | None = None, *, replace: dict[str, bytes] | None = None,
            method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A copy of a real DOCX with parts replaced or added."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain_docx())) as src, \
            zipfile.ZipFile(out, "w", method) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def content_types() -> bytes:
    with zipfile.ZipFile(io.BytesIO(plain_docx())) as z:
        return z.read("[Content_Types].xml")


XXE = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
       b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
          b"<lolz>&lol2;</lolz>")


def test_a_plain_docx_from_python_docx_is_accepted():
    check_docx(plain_docx())


def test_unsafe_document_is_a_referral_builder_error():
    assert issubclass(UnsafeDocument, ReferralBuilderError)


EXTERNAL_TEMPLATE = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/attachedTemplate" Target="\\\\10.0.0.1\\t.dotm" '
    b'TargetMode="External"/></Relationships>')
HYPERLINK = EXTERNAL_TEMPLATE.replace(b"attachedTemplate", b"hyperlink").replace(
    b"\\\\10.0.0.1\\t.dotm", b"https://www.gov.uk/")


@pytest.mark.parametrize("data", [
    pytest.param(b"%PDF-1.7\n" + plain_docx(), id="pdf-before"),
    pytest.param(plain_docx() + b"%PDF-1.7\n%%EOF", id="pdf-after"),
    pytest.param(plain_docx()[1:], id="first-byte-missing"),
    pytest.param(plain_docx()[30:], id="first-30-bytes-missing"),
])
def test_a_docx_with_bytes_before_after_or_missing_is_refused(data):
    with pytest.raises(UnsafeDocument, match="is not a Word"):
        check_docx(data)


def test_a_hyperlink_to_outside_the_file_is_allowed():
    check_docx(rebuilt({"word/_rels/footnotes.xml.rels": HYPERLINK}))


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(b"", "is empty", id="empty"),
    pytest.param(b"%PDF-1.7 not a zip", "is not a Word (.docx) file", id="not-a-zip"),
    pytest.param(plain_docx()[:400], "is not a Word (.docx) file", id="truncated"),
    pytest.param(rebuilt({f"word/media/x{i}.txt": b"x" for i in range(501)}),
                 "parts; the limit is 500", id="too-many-entries"),
    pytest.param(rebuilt({"word/media/bomb.bin": b"\0" * (2 * 2**20)}),
                 "looks like a zip bomb", id="compression-ratio"),
    pytest.param(rebuilt({"word/media/big.bin": b"\0" * (51 * 2**20)},
                         method=zipfile.ZIP_STORED), "larger than 50 MB", id="over-50-mb"),
    pytest.param(rebuilt({"word/vbaProject.bin": b"macro"}), "contains macros", id="vba"),
    pytest.param(rebuilt(replace={"[Content_Types].xml": content_types().replace(
        b"document.main+xml", b"document.macroEnabled.main+xml")}),
        "macro-enabled", id="docm-content-type"),
    pytest.param(rebuilt(replace={"word/document.xml": XXE}), "DOCTYPE or ENTITY", id="xxe"),
    pytest.param(rebuilt({"customXml/item9.xml": LAUGHS}), "DOCTYPE or ENTITY",
                 id="billion-laughs"),
    pytest.param(rebuilt({"customXml/item9.xml": XXE.decode().encode("utf-16")}),
                 "DOCTYPE or ENTITY", id="xxe-utf16"),
    pytest.param(rebuilt({"../../evil.sh": b"rm -rf /"}), "unsafe part name", id="zip-slip"),
    pytest.param(rebuilt({"/etc/cron.d/evil": b"x"}), "unsafe part name", id="absolute"),
    pytest.param(rebuilt({"C:/Windows/evil.dll": b"x"}), "unsafe part name", id="drive"),
    pytest.param(rebuilt({"word\\..\\evil": b"x"}), "unsafe part name", id="backslash"),
    pytest.param(rebuilt({"word/activeX/activeX1.bin": b"x"}), "ActiveX", id="activex"),
    pytest.param(rebuilt({"word/_rels/settings.xml.rels": EXTERNAL_TEMPLATE}),
                 "loads content from outside the file", id="external-template"),
])
def test_hostile_docx_is_refused_with_the_reason(data, message):
    with pytest.raises(UnsafeDocument, match=re.escape(message)):
        check_docx(data)


def test_a_zip_without_a_document_part_is_not_a_word_file():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
    with pytest.raises(UnsafeDocument, match=r"has no word/document\.xml"):
        check_docx(out.getvalue())


def test_a_part_that_lies_about_its_size_is_refused():
    data = bytearray(rebuilt({"word/media/pad.bin": b"A" * 200}))
    # Shrink the declared size of the padding part in its central-directory entry.
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(b"word/media/pad.bin"))
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(UnsafeDocument):
        check_docx(bytes(data))


def test_the_message_names_the_document():
    with pytest.raises(UnsafeDocument, match=r"^evidence\.docx is empty"):
        check_docx(b"", name="evidence.docx")


def test_every_truncation_of_a_valid_docx_is_refused_or_accepted_never_a_crash():
    data = plain_docx()
    outcomes = set()
    for cut in range(0, len(data), 97):
        try:
            check_docx(data[:cut])
            outcomes.add("accepted")
        except UnsafeDocument:
            outcomes.add("refused")
    assert outcomes == {"refused"}


# ---- issue 11.10: field codes that fetch from outside the file or run a program ----------

W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def body(runs: bytes, *, ns: bytes = W, prefix: bytes = b"w") -> bytes:
    p = prefix
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<' + p
            + b":document " + ns + b"><" + p + b":body><" + p + b":p>" + runs + b"</" + p
            + b":p></" + p + b":body></" + p + b":document>")


def field(*instructions: bytes, result: bytes = b"x", p: bytes = b"w") -> bytes:
    """A complex field: begin, one run per piece of instruction text, separate, result, end."""
    def char(kind: bytes) -> bytes:
        return b"<" + p + b":r><" + p + b':fldChar ' + p + b':fldCharType="' + kind + b'"/></' \
            + p + b":r>"
    runs = b"".join(b"<" + p + b':r><' + p + b':instrText xml:space="preserve">' + i + b"</"
                    + p + b":instrText></" + p + b":r>" for i in instructions)
    return (char(b"begin") + runs + char(b"separate") + b"<" + p + b":r><" + p + b":t>"
            + result + b"</" + p + b":t></" + p + b":r>" + char(b"end"))


def with_document(xml: bytes, part: str = "word/document.xml") -> bytes:
    if part == "word/document.xml":
        return rebuilt(replace={part: xml})
    return rebuilt({part: xml})


@pytest.mark.parametrize(("xml", "name"), [
    pytest.param(body(field(b' INCLUDEPICTURE "http://203.0.113.9/t.png" \\d ')),
                 "INCLUDEPICTURE", id="includepicture-url"),
    pytest.param(body(field(b'DDEAUTO c:\\\\Windows\\\\System32\\\\cmd.exe "/k calc.exe"')),
                 "DDEAUTO", id="ddeauto"),
    pytest.param(body(field(b'INCLUDETEXT "\\\\\\\\fileshare\\\\x\\\\a.docx"')), "INCLUDETEXT",
                 id="includetext-unc"),
    pytest.param(body(field(b"INCLUDE", b'PICTURE "http://203.0.113.9/t.png"')),
                 "INCLUDEPICTURE", id="split-over-runs"),
    pytest.param(body(field(b"<![CDATA[includepicture]]> \"http://203.0.113.9/\"")),
                 "INCLUDEPICTURE", id="cdata-lower-case"),
    pytest.param(body(field(b"&#x49;NCLUDE<!-- hidden -->PICTURE \"http://x/\"")),
                 "INCLUDEPICTURE", id="character-reference-and-comment"),
    pytest.param(body(b'<w:fldSimple w:instr=" INCLUDEPICTURE &quot;http://203.0.113.9/t.png'
                      b'&quot; "><w:r><w:t>x</w:t></w:r></w:fldSimple>'),
                 "INCLUDEPICTURE", id="fldsimple"),
    pytest.param(body(b'<w:fldSimple w:instr="DDE cmd \'/c calc\'"/>'), "DDE", id="fldsimple-dde"),
    pytest.param(body(field(b'INCLUDETEXT "http://x/a"', p=b"q"),
                      ns=W.replace(b"xmlns:w", b"xmlns:q"), prefix=b"q"),
                 "INCLUDETEXT", id="other-prefix"),
    pytest.param(body(field(b'IF 1 = 1 "', b"")
                      + field(b'LINK Excel.Sheet.8 "\\\\\\\\s\\\\b.xls"')),
                 "LINK", id="link"),
])
def test_a_field_that_fetches_from_outside_or_runs_a_program_is_refused(xml, name):
    with pytest.raises(UnsafeDocument, match=f"contains the field code {name} "):
        check_docx(with_document(xml))


def test_a_field_in_a_header_is_refused_too():
    with pytest.raises(UnsafeDocument, match=r"field code INCLUDEPICTURE \(word/header1.xml\)"):
        check_docx(with_document(body(field(b'INCLUDEPICTURE "http://x/"')),
                                 "word/header1.xml"))


def test_ordinary_fields_and_words_in_text_are_accepted():
    xml = body(field(b" PAGE ") + field(b' HYPERLINK "http://example.org/link" ')
               + field(b" DATE \\@ \"d MMMM yyyy\" ")
               + b"<w:r><w:t>Please INCLUDEPICTURE the DDEAUTO LINK in the text</w:t></w:r>")
    check_docx(with_document(xml))


def test_the_letter_templates_have_no_unsafe_fields():
    from pathlib import Path

    templates = sorted((Path(__file__).resolve().parents[2] / "templates" / "letters")
                       .glob("*.docx"))
    assert templates
    for path in templates:
        check_docx(path.read_bytes(), name=path.name)


def test_a_field_is_found_in_a_utf16_part_and_across_a_read_boundary():
    # Parts with no field tag are not parsed (speed); these must still be parsed in full.
    xml = body(field(b'INCLUDETEXT "http://x/a"'))
    utf16 = xml.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")
    with pytest.raises(UnsafeDocument, match="field code INCLUDETEXT "):
        check_docx(with_document(utf16))
    simple = b'<w:fldSimple w:instr=" INCLUDETEXT &quot;http://x/a&quot; "/>'
    start = body(b"<w:r><w:t></w:t></w:r>" + simple).index(b"fldSimple")
    for cut in range(1, 9):  # the tag's only mention straddles the first 64 KiB read
        pad = 64 * 1024 - cut - start
        filler = random.Random(pad).randbytes(pad // 2 + 1).hex().encode()[:pad]  # no zip bomb
        xml = body(b"<w:r><w:t>" + filler + b"</w:t></w:r>" + simple)
        assert xml.index(b"fldSimple") == 64 * 1024 - cut
        with pytest.raises(UnsafeDocument, match="field code INCLUDETEXT "):
            check_docx(with_document(xml))
