"""Child-process side of `sanitise`: open untrusted files under resource limits.

Run as ``python -m referral_builder.documents._pdf_worker JOB LIMITS_JSON`` with the PDF on
stdin. The process limits its own memory and CPU before it reads a byte, so a crafted file
that makes pypdf loop or allocate without end kills only this process. It answers on stdout
with one JSON line, followed for `sanitise` by the clean PDF bytes.

Jobs:
  sanitise  copy the pages into a new PDF without scripts, actions, attachments or forms
  inspect   read a bundle: page count, attachments, outline titles and page fingerprints
  docx      convert a Word document to PDF (`docx_pdf.docx_to_pdf`, which checks it first)
  JOB-batch several files in one process (sanitise or docx), answered one by one
  mixed-batch  the same, each file with its own job (`jobs` in the settings): a bundle's
            uploads and letters share one child per CPU
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import sys
from typing import Any

from referral_builder.domain.errors import FileRefused

#: Annotation subtypes kept on evidence pages (markup only); links, widgets, media go.
SAFE_ANNOTATIONS = frozenset({
    "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight",
    "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/Popup"})
PAGE_KEYS_DROPPED = ("/AA", "/Thumb", "/B", "/PieceInfo", "/Trans")


Refused = FileRefused  # the old name


def set_limits(limits: dict[str, Any]) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: rely on the parent's wall-clock timeout
        return
    memory = int(limits.get("memory_bytes", 1 << 30))
    cpu = int(limits.get("cpu_seconds", 30))
    for which, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu),
                         (resource.RLIMIT_CORE, 0)):
        with contextlib.suppress(ValueError, OSError):  # a hard limit lower than ours stays
            resource.setrlimit(which, (value, value))


def page_fingerprint(page: Any) -> str:
    """Hash what a page shows: its content streams and the raw data of its XObjects."""
    h = hashlib.sha256()
    contents = page.get_contents()
    h.update(contents.get_data() if contents is not None else b"")
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        xobjects = xobjects.get_object()
        for name in sorted(xobjects):
            obj = xobjects[name].get_object()
            h.update(str(name).encode())
            h.update(getattr(obj, "_data", b"") or b"")
    return h.hexdigest()


def read_pdf(data: bytes, limits: dict[str, Any]) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if len(data) > int(limits.get("max_bytes", 20 * 1024 * 1024)):
        raise Refused(f"The file is larger than the limit of {_mb(limits['max_bytes'])}.")
    if not data.strip():
        raise Refused("The file is empty.")
    if b"%PDF-" not in data[:1024]:
        raise Refused("The file is not a PDF.")
    if b"%%EOF" not in data[-2048:]:
        raise Refused("The PDF is incomplete or damaged (its end is missing). It may not have "
                      "finished uploading: save it again and upload the new copy.")
    try:
        # Uploads come from scanners and office suites and need leniency; bundles are
        # validated strictly (`strict` in the limits), since this tool wrote them.
        reader = PdfReader(io.BytesIO(data), strict=bool(limits.get("strict", False)))
        if reader.is_encrypted:
            raise Refused("The PDF is password-protected or encrypted. Save a copy without a "
                          "password and upload that.")
        count = len(reader.pages)
    except Refused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, AssertionError) as exc:
        raise Refused(f"The PDF is damaged and cannot be read ({type(exc).__name__}).") from None
    if count == 0:
        raise Refused("The PDF has no pages.")
    if count > int(limits.get("max_pages", 500)):
        raise Refused(f"The PDF has {count} pages; the limit is {limits['max_pages']}. Split it "
                      "into smaller files.")
    return reader


def sanitise(data: bytes, limits: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject

    reader = read_pdf(data, limits)
    writer = PdfWriter()
    removed: set[str] = set()
    root = reader.trailer["/Root"].get_object()
    for key in ("/OpenAction", "/AA", "/AcroForm", "/Names"):
        if key in root:
            removed.add(key)
    for source in reader.pages:
        # Strip the reader's page before copying: whatever the copy references is written.
        for key in PAGE_KEYS_DROPPED:
            if key in source:
                del source[key]
                removed.add(key)
        annots = source.get("/Annots")
        if annots is not None:
            kept = ArrayObject()
            for ref in annots.get_object():
                a = ref.get_object()
                if a.get("/Subtype") in SAFE_ANNOTATIONS and "/A" not in a and "/AA" not in a:
                    for key in ("/P", "/Parent", "/IRT", "/Popup"):  # may point at dropped objects
                        if key in a:
                            del a[key]
                    kept.append(ref)
                else:
                    removed.add(str(a.get("/Subtype")))
            if kept:
                source[NameObject("/Annots")] = kept
            else:
                del source["/Annots"]
        page = writer.add_page(source)  # pages only: the catalog (/OpenAction, /Names) stays
        if page.rotation:
            page.transfer_rotation_to_content()
        # Decode every content stream here, inside the limits, so a compression bomb costs
        # this process, not the one that later stamps the page.
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
    for key in ("/Author", "/Title", "/Subject"):
        value = (reader.metadata or {}).get(key)
        if isinstance(value, str):
            writer.add_metadata({NameObject(key): value[:500]})
    out = io.BytesIO()
    writer.write(out)
    return {"ok": True, "pages": len(reader.pages), "removed": sorted(removed)}, out.getvalue()


def inspect(data: bytes, limits: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    reader = read_pdf(data, limits)
    max_attachment = int(limits.get("max_attachment_bytes", 50 * 1024 * 1024))
    attachments: dict[str, str] = {}
    for name, contents in (reader.attachments or {}).items():
        blob = contents[0] if contents else b""
        if len(blob) <= max_attachment:
            attachments[name] = base64.b64encode(blob).decode("ascii")
    outline: list[str] = []

    def walk(items: Any) -> None:
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                outline.append(str(it.title))

    walk(reader.outline)
    return {"ok": True, "pages": len(reader.pages), "attachments": attachments,
            "outline": outline,
            "fingerprints": [page_fingerprint(p) for p in reader.pages]}, b""


def _mb(n: Any) -> str:
    return f"{int(n) / (1024 * 1024):.0f} MB"


def convert_docx(data: bytes, limits: dict[str, Any], title: str = "",
                 ) -> tuple[dict[str, Any], bytes]:
    from referral_builder.documents.docx_pdf import docx_to_pdf
    from referral_builder.documents.safety import UnsafeDocument

    try:
        return {"ok": True}, docx_to_pdf(data, title=title)
    except UnsafeDocument as exc:
        raise Refused(str(exc)) from None


def run_job(job: str, data: bytes, limits: dict[str, Any], title: str = "",
            ) -> tuple[dict[str, Any], bytes]:
    what = "Word document" if job == "docx" else "PDF"
    try:
        if job == "docx":
            return convert_docx(data, limits, title)
        return {"sanitise": sanitise, "inspect": inspect}[job](data, limits)
    except Refused as exc:
        return {"ok": False, "reason": str(exc)}, b""
    except MemoryError:
        return _memory(what)
    except Exception as exc:
        if type(exc).__name__ == "LimitReachedError":  # pypdf's own cap on unpacked streams
            return _memory(what)
        return {"ok": False, "reason": f"The {what} is damaged and cannot be read "
                f"({type(exc).__name__})."}, b""


def _memory(what: str) -> tuple[dict[str, Any], bytes]:
    return {"ok": False, "reason": f"The {what} needs more memory to open than is allowed; "
                "it may be damaged or built to cause harm."}, b""


def cpu_budget(seconds: int) -> None:
    """Allow the next file `seconds` more CPU time (soft limit; the hard limit stays)."""
    try:
        import resource
    except ImportError:
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(used.ru_utime + used.ru_stime) + 1 + seconds
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (min(soft, hard) if hard >= 0 else soft, hard))


def main() -> int:
    job, limits = sys.argv[1], json.loads(sys.argv[2])
    out = sys.stdout.buffer
    if job.endswith("-batch"):
        # Files come as 8-byte big-endian lengths and bytes; each answer is a JSON line
        # with the body's length, then the body. CPU is budgeted file by file.
        titles = list(limits.get("titles") or [])
        jobs = list(limits.get("jobs") or [])
        count = int(limits.get("batch", 1))
        set_limits({**limits, "cpu_seconds": int(limits.get("cpu_seconds", 30)) * count + 5})
        for n in range(count):
            size = int.from_bytes(sys.stdin.buffer.read(8), "big")
            data = sys.stdin.buffer.read(size)
            cpu_budget(int(limits.get("cpu_seconds", 30)))
            title = titles[n] if n < len(titles) else ""
            kind = jobs[n] if n < len(jobs) else job.removesuffix("-batch")
            if kind not in ("sanitise", "docx"):
                head, body = {"ok": False, "reason": f"Unknown job {kind!r}."}, b""
            else:
                head, body = run_job(kind, data, limits, title)
            out.write(json.dumps({**head, "length": len(body)}).encode() + b"\n" + body)
            out.flush()
        return 0
    set_limits(limits)
    data = sys.stdin.buffer.read(int(limits.get("max_bytes", 20 * 1024 * 1024)) + 1)
    head, body = run_job(job, data, limits)
    out.write(json.dumps(head).encode() + b"\n")
    out.write(body)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
