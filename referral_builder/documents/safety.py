"""Refuse Word files that could harm the reader: zip bombs, macros, XXE, zip-slip names.

A DOCX is a zip of XML parts. Everything here runs before python-docx or lxml sees the bytes,
so a hostile upload or template costs at most the limits below to reject.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from xml.parsers import expat

from referral_builder.domain.errors import UnsafeDocument

MAX_ENTRIES = 500
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # bytes, the whole archive
MAX_RATIO = 100  # uncompressed / compressed
#: Parts smaller than this are not checked for their own ratio: a tiny, highly repetitive
#: part (an empty header, a settings file) can exceed 100:1 without being a bomb.
RATIO_MIN_PART = 64 * 1024
_CHUNK = 64 * 1024
_MACRO_CONTENT_TYPE = b"macroenabled"
#: "<!DOCTYPE" or "<!ENTITY" in UTF-8/ASCII, or in UTF-16 of either byte order.
_DECLARATION = re.compile(
    rb"<!\s*(doctype|entity)"
    rb"|<\x00!\x00(d\x00o\x00c\x00t\x00y\x00p\x00e|e\x00n\x00t\x00i\x00t\x00y)"
    rb"|\x00<\x00!(\x00d\x00o\x00c\x00t\x00y\x00p\x00e|\x00e\x00n\x00t\x00i\x00t\x00y)",
    re.IGNORECASE)


def check_docx(data: bytes, *, name: str = "The Word document") -> None:
    """Raise `UnsafeDocument` unless `data` is a DOCX that is safe to open.

    Refused: not a zip or no ``word/document.xml``; more than 500 parts; more than 50 MB
    uncompressed (declared, and also as actually read, since declared sizes can lie); a part
    compressed more than 100:1 (or the whole archive); macros (``vbaProject.bin`` or a
    macro-enabled content type); a DOCTYPE or ENTITY declaration in any XML part (XXE,
    billion laughs); encrypted parts; part names that are absolute, contain ``..``, a
    backslash or a drive letter, or occur twice.
    """
    if not data:
        raise UnsafeDocument(f"{name} is empty")
    if len(data) > MAX_UNCOMPRESSED:
        raise UnsafeDocument(f"{name} is larger than {MAX_UNCOMPRESSED // 2**20} MB")
    if not data.startswith(b"PK\x03\x04") or not _ends_with_directory(data):
        raise UnsafeDocument(f"{name} is not a Word (.docx) file: it has other data before "
                             "or after the document (a file made to look like two types)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnsafeDocument(f"{name} is not a Word (.docx) file: {exc}") from None
    with archive:
        _check_listing(infos, name)
        _check_contents(archive, infos, name)


def _ends_with_directory(data: bytes) -> bool:
    """True when the zip's end-of-directory record (and its comment) ends the file."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if at < 0 or at + 22 > len(data):
        return False
    comment = int.from_bytes(data[at + 20:at + 22], "little")
    return at + 22 + comment == len(data)


def _check_listing(infos: list[zipfile.ZipInfo], name: str) -> None:
    if len(infos) > MAX_ENTRIES:
        raise UnsafeDocument(f"{name} has {len(infos)} parts; the limit is {MAX_ENTRIES}")
    seen: set[str] = set()
    total = compressed = 0
    for info in infos:
        _check_name(info.filename, name)
        key = info.filename.lower()
        if key in seen:
            raise UnsafeDocument(f"{name} contains the part {info.filename!r} twice")
        seen.add(key)
        if info.flag_bits & 0x1:
            raise UnsafeDocument(f"{name} is encrypted ({info.filename!r}); save it without "
                                 "a password")
        if key.startswith("word/activex/"):
            raise UnsafeDocument(f"{name} contains ActiveX controls ({info.filename}); save "
                                 "it as a plain .docx without them")
        if key.rsplit("/", 1)[-1] == "vbaproject.bin":
            raise UnsafeDocument(f"{name} contains macros ({info.filename}); save it as a "
                                 "plain .docx without macros")
        if (info.file_size > RATIO_MIN_PART
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise UnsafeDocument(
                f"{name} looks like a zip bomb: {info.filename!r} expands "
                f"{info.file_size // max(info.compress_size, 1)} times; the limit is {MAX_RATIO}")
        total += info.file_size
        compressed += info.compress_size
    if total > MAX_UNCOMPRESSED:
        raise UnsafeDocument(f"{name} expands to {total // 2**20} MB; the limit is "
                             f"{MAX_UNCOMPRESSED // 2**20} MB")
    if total > RATIO_MIN_PART and total > MAX_RATIO * max(compressed, 1):
        raise UnsafeDocument(f"{name} looks like a zip bomb: it expands "
                             f"{total // max(compressed, 1)} times; the limit is {MAX_RATIO}")
    if "word/document.xml" not in seen or "[content_types].xml" not in seen:
        raise UnsafeDocument(f"{name} is not a Word (.docx) file: it has no word/document.xml")


def _check_name(entry: str, name: str) -> None:
    parts = entry.split("/")
    if (entry.startswith("/") or "\\" in entry or "\x00" in entry or ".." in parts
            or re.match(r"^[A-Za-z]:", entry)):
        raise UnsafeDocument(f"{name} contains an unsafe part name {entry!r} (absolute or "
                             "with '..')")


def _check_contents(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    """Read every part with a running cap; scan XML parts for declarations and macro types."""
    budget = MAX_UNCOMPRESSED
    for info in infos:
        xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
        rels = info.filename.lower().endswith(".rels")
        tail = b""
        whole = bytearray()
        story = info.filename.lower().startswith("word/") and \
            info.filename.lower().endswith(".xml")
        fields = _FieldScanner(name, info.filename) if story else None
        try:
            with archive.open(info) as part:
                while chunk := part.read(_CHUNK):
                    if rels:
                        whole += chunk
                    budget -= len(chunk)
                    if budget < 0:
                        raise UnsafeDocument(f"{name} expands to more than "
                                             f"{MAX_UNCOMPRESSED // 2**20} MB")
                    if xml:
                        window = tail + chunk
                        if _DECLARATION.search(window):
                            raise UnsafeDocument(
                                f"{name} contains a DOCTYPE or ENTITY declaration in "
                                f"{info.filename}, which Word never writes; it was refused")
                        if (info.filename == "[Content_Types].xml"
                                and _MACRO_CONTENT_TYPE in window.lower()):
                            raise UnsafeDocument(f"{name} is macro-enabled (.docm); save it "
                                                 "as a plain .docx without macros")
                        tail = window[-64:]
                    if fields is not None:
                        fields.feed(chunk)
            if fields is not None:
                fields.close()
        except expat.ExpatError as exc:
            raise UnsafeDocument(f"{name} is damaged ({info.filename} is not well-formed "
                                 f"XML: {exc})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError,
                ValueError, RuntimeError) as exc:
            # ValueError: "negative seek value" when bytes are missing before the first part
            raise UnsafeDocument(f"{name} is damaged ({info.filename}): {exc}") from None
        if rels:
            _check_external_links(bytes(whole), info.filename, name)


_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>", re.IGNORECASE)


def _check_external_links(data: bytes, part: str, name: str) -> None:
    """Refuse a relationship to an outside target other than a hyperlink.

    Word fetches an external template, image, frame or OLE object when the file is opened:
    a way to track the reader, or to leak their Windows credentials to a file share.
    """
    for rel in _RELATIONSHIP.findall(data):
        if re.search(rb"TargetMode\s*=\s*[\"']External[\"']", rel, re.IGNORECASE) and \
                not re.search(rb"Type\s*=\s*[\"'][^\"']*/hyperlink[\"']", rel, re.IGNORECASE):
            raise UnsafeDocument(f"{name} loads content from outside the file ({part}), which "
                                 "can track or expose the reader; save it without linked "
                                 "templates, pictures or objects")


#: Field codes that make Word fetch content from outside the file (a picture or text from a
#: URL or a file share, exposing the reader's address or Windows credentials) or run a
#: program (DDE). Field names are not case-sensitive.
UNSAFE_FIELDS = frozenset({"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "DDE", "DDEAUTO",
                           "LINK", "IMPORT"})
_FIELD_NAME = re.compile(r"\s*([A-Za-z]+)")


_FIELD_TAGS = (b"instrText", b"fldSimple", b"fldChar")
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _ascii_compatible(start: bytes) -> bool:
    """True when the part begins like UTF-8 (or ASCII, Latin-1) XML, so tag names are bytes
    as written; a UTF-16 part, or one declaring another encoding, is parsed in full."""
    start = start.removeprefix(b"\xef\xbb\xbf")
    if not start.startswith(b"<"):
        return False
    declared = _XML_ENCODING.match(start)
    return declared is None or declared.group(1).lower().replace(b"_", b"-") in (
        b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1", b"latin-1", b"latin1")


class _FieldScanner:
    """Find field codes in a story part (document, headers, footers, notes, comments) as it
    is read, with a real XML parser, so that no spelling hides one: a code split over
    several runs (`<w:instrText>INCLUDE</w:instrText><w:instrText>PICTURE ...`), CDATA,
    comments, character references, any namespace prefix, and `<w:fldSimple w:instr>`."""

    def __init__(self, name: str, part: str) -> None:
        self.name, self.part = name, part
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.fields: list[list[str]] = []  # the instruction text of each open field
        self.loose: list[str] = []  # instruction text outside any begin/end pair
        self.in_instruction = False
        # Most parts have no field at all: parsing them element by element in Python was
        # two thirds of a letter's conversion. In an ASCII-compatible encoding a field shows
        # as one of _FIELD_TAGS in the raw bytes (a tag name cannot be escaped), so the
        # parser starts only when one is seen, and is fed everything held back until then.
        self.pending: list[bytes] | None = []
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        if self.pending is None:
            self.parser.Parse(chunk, False)
            return
        self.pending.append(chunk)
        window = self.tail + chunk
        if (len(self.pending) == 1 and not _ascii_compatible(chunk)) or any(
                tag in window for tag in _FIELD_TAGS):
            held, self.pending = self.pending, None
            for piece in held:
                self.parser.Parse(piece, False)
        else:
            self.tail = window[-16:]

    def close(self) -> None:
        if self.pending is not None:
            return  # no field in this part
        self.parser.Parse(b"", True)
        for code in self.fields:
            self._check("".join(code))
        self._check("".join(self.loose))

    @staticmethod
    def _local(name: str) -> str:
        return name.rsplit(" ", 1)[-1]

    def _attr(self, attrs: dict[str, str], local: str) -> str | None:
        return next((v for k, v in attrs.items() if self._local(k) == local), None)

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        local = self._local(tag)
        if local == "instrText":
            self.in_instruction = True
        elif local == "fldSimple":
            self._check(self._attr(attrs, "instr") or "")
        elif local == "fldChar":
            kind = self._attr(attrs, "fldCharType")
            if kind == "begin":
                self.fields.append([])
            elif kind in ("separate", "end") and self.fields:
                self._check("".join(self.fields[-1]))
                if kind == "end":
                    self.fields.pop()
                else:
                    self.fields[-1] = []  # the result that follows is not the code

    def _end(self, tag: str) -> None:
        if self._local(tag) == "instrText":
            self.in_instruction = False

    def _text(self, data: str) -> None:
        if self.in_instruction:
            (self.fields[-1] if self.fields else self.loose).append(data)

    def _check(self, code: str) -> None:
        found = _FIELD_NAME.match(code)
        if found and found.group(1).upper() in UNSAFE_FIELDS:
            raise UnsafeDocument(
                f"{self.name} contains the field code {found.group(1).upper()} ({self.part}), "
                "which makes Word fetch content from outside the file or run a program; save it "
                "without that field (select all and press Ctrl+Shift+F9 to turn fields into "
                "plain text)")
