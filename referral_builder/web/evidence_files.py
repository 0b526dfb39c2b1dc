"""Accept an uploaded evidence file: a clean copy of a PDF, or a checked Word document."""

from __future__ import annotations

from referral_builder.domain.errors import ReferralBuilderError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Refused(Exception):
    """The file cannot be accepted; the message says why, for the user."""


def accept_upload(content: bytes, filename: str) -> tuple[bytes, str]:
    """Return (bytes to store, media type) or raise Refused."""
    from referral_builder.documents.safety import check_docx
    from referral_builder.documents.sanitise import sanitise_pdf

    name = filename.lower()
    if not content:
        raise Refused("The selected file is empty")
    try:
        if name.endswith(".pdf") or content.startswith(b"%PDF"):
            return sanitise_pdf(content, name="The selected file"), "application/pdf"
        if name.endswith(".docx"):
            check_docx(content, name="The selected file")
            return content, DOCX
    except ReferralBuilderError as exc:
        raise Refused(str(exc)) from None
    raise Refused("The selected file must be a PDF or a Word document (.docx)")
