"""Convert a Word document to PDF with LibreOffice, when it is installed (Word-faithful
layout; the built-in ReportLab renderer is used otherwise)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from referral_builder.documents.safety import check_docx
from referral_builder.domain.errors import ConversionFailed


def libreoffice_available() -> bool:
    """Return True when a LibreOffice `soffice` binary is on the PATH."""
    return _soffice() is not None


def docx_to_pdf_libreoffice(docx: bytes, timeout: float = 60) -> bytes:
    """Convert with ``soffice --headless --convert-to pdf`` in a private temporary folder.

    Each call uses its own LibreOffice profile, so conversions can run side by side without
    the global lock docassemble needs. Raises `ConversionFailed` when LibreOffice is missing,
    times out or writes no PDF.
    """
    check_docx(docx)
    soffice = _soffice()
    if soffice is None:
        raise ConversionFailed("LibreOffice is not installed")
    with tempfile.TemporaryDirectory(prefix="rb-lo-") as tmp:
        source = Path(tmp) / "letter.docx"
        source.write_bytes(docx)
        command = [soffice, "--headless", "--norestore", "--nologo", "--nolockcheck",
                   f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
                   "--convert-to", "pdf", "--outdir", tmp, str(source)]
        try:
            # A session of its own, so that a timeout kills soffice.bin and its helpers too.
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    cwd=tmp, start_new_session=True)
        except OSError as exc:
            raise ConversionFailed(f"cannot run LibreOffice: {exc}") from None
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ConversionFailed(f"LibreOffice took longer than {timeout:g} s") from None
        target = source.with_suffix(".pdf")
        if proc.returncode != 0 or not target.is_file():
            output = (stderr or stdout).decode("utf-8", "replace").strip()
            raise ConversionFailed(f"LibreOffice exited with {proc.returncode}: {output[:500]}")
        return target.read_bytes()


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")
