"""Accept an evidence file: a clean copy of a PDF, or a checked Word document.

The one acceptance for every way a document comes in: an upload, and each document of an
imported case.
"""

from __future__ import annotations

from referral_builder.domain.errors import FileRefused, ReferralBuilderError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: The same as the request limit (MAX_CONTENT_LENGTH), which bounds an upload.
MAX_FILE_BYTES = 25 * 1024 * 1024


Refused = FileRefused  # the old name


def accept_upload(content: bytes, filename: str, *,
                  label: str = "The selected file") -> tuple[bytes, str]:
    """Return (bytes to store, media type) or raise Refused; `label` names the file in the
    message ("The selected file", "The document evidence/d1-letter.pdf")."""
    from referral_builder.documents.safety import check_docx
    from referral_builder.documents.sanitise import sanitise_pdf

    name = filename.lower()
    if not content:
        raise Refused(f"{label} is empty")
    if len(content) > MAX_FILE_BYTES:
        raise Refused(f"{label} is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        if name.endswith(".pdf") or content.startswith(b"%PDF"):
            return sanitise_pdf(content, name=label), "application/pdf"
        if name.endswith(".docx"):
            check_docx(content, name=label)
            return content, DOCX
    except ReferralBuilderError as exc:
        raise Refused(str(exc)) from None
    raise Refused(f"{label} must be a PDF or a Word document (.docx)")
