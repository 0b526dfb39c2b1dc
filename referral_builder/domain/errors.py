"""Every exception the package raises on purpose, all derived from `ReferralBuilderError`.

Every message names the offending value so staff can fix it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .results import CheckReport


class ReferralBuilderError(Exception):
    """Base class for every error this package raises on purpose."""


class InvalidCase(ReferralBuilderError):
    """A case file breaks the `referral-case/1` format.

    `path` is the field path (``events[3].meeting``), so a message can point at it; when the
    case file is read, `problems` lists every (path, message) found, the first one raised.
    """

    problems: list[tuple[str, str]]

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class RegisterImportError(ReferralBuilderError):
    """Register marks that cannot be imported; nothing from the file is kept.

    `problems` lists (line number, message) pairs; line 0 means the file as a whole.
    """

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        lines = [f"line {n}: {msg}" if n else msg for n, msg in problems]
        super().__init__("; ".join(lines))


class InvalidChecklist(ReferralBuilderError):
    """A checklist data file is malformed: the message names the file and the item."""


class UnknownCode(ReferralBuilderError):
    """A register mark that is not a DfE attendance code for its date."""


class InvalidReport(ReferralBuilderError):
    """A check report breaks the `referral-check/1` format; `path` names the field."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


# ---- every other error the package raises on purpose --------------------------------------
# One module for all of them (tests/unit/test_exceptions.py): they live in the domain because
# the domain may import nothing above it, and every layer may import the domain. Each is
# re-exported under its old name from the module that raises it.


class ConfigError(ReferralBuilderError, ValueError):
    """An environment variable has a value that cannot be used (`referral_builder.config`)."""


class FileRefused(ReferralBuilderError):
    """An untrusted file (an upload, or a PDF in the sandboxed reader) is refused; the message
    says why, for school staff. `services.evidence.Refused` and `documents._pdf_worker.Refused`
    are this class."""


class Conflict(ReferralBuilderError):
    """The case changed since the form was shown, or was submitted (`services.cases`)."""


class RegisterFileError(ReferralBuilderError, ValueError):
    """A file `services.registers` cannot read as a register; the message says why and what
    to do."""


class AccountError(ReferralBuilderError):
    """An account cannot be created; the message says why."""


class WeakPassword(ReferralBuilderError):
    """The password cannot be used; the message says why, in words for the user."""


class RetentionError(ReferralBuilderError):
    """The retention command cannot run as asked; the message says why."""


class BackupError(ReferralBuilderError):
    """A backup or restore could not be made; the message says why."""


class FileStoreError(ReferralBuilderError, OSError):
    """A file could not be written to the store (full, read-only, missing or not a folder,
    or the object store refused or could not be reached). Still an OSError, as before it
    joined the package's errors."""

    USER_MESSAGE = ("the file store cannot be written to, so nothing was saved; try again "
                    "later, and tell your administrator if it goes on")


class FileDamagedError(FileStoreError):
    """A stored file's content no longer matches its SHA-256 (truncated or damaged)."""


# ---- documents --------------------------------------------------------------------------------


class UnsafeDocument(ReferralBuilderError):
    """A Word file or PDF was refused before it was opened; the message says why, for school
    staff."""


class ConversionFailed(ReferralBuilderError):
    """LibreOffice could not convert a document; the message gives its output."""


class NotReady(ReferralBuilderError):
    """The case does not meet its checklist; `outstanding` lists the items not met."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        self.outstanding = report.outstanding
        lines = [f"- Item {i.number} ({i.id}): " + " ".join(i.reasons) for i in self.outstanding]
        super().__init__(f"The referral is not ready: {len(self.outstanding)} checklist "
                         "item(s) are not met.\n" + "\n".join(lines))


class DocumentProblem(ReferralBuilderError):
    """A document named in the case cannot be read or converted; the message names it."""


class NotABundle(ReferralBuilderError):
    """The PDF cannot be read, or was not made by referral-builder; the message says which."""


class LetterError(ReferralBuilderError):
    """A letter cannot be drafted; the message says what to change."""


class UnknownTemplate(LetterError):
    """No letter template has the id asked for."""


class MissingField(LetterError):
    """The case lacks something the letter prints. `path` names the field in the case file."""

    def __init__(self, path: str, need: str, problem: str = "is empty") -> None:
        self.path, self.need, self.problem = path, need, problem
        super().__init__(f"{path} {problem}: the letter needs {need}")


class ContactRestricted(LetterError):
    """The carer must not be contacted (the case records why)."""


class TemplateFailed(LetterError):
    """A template (usually a school's own) cannot be filled in."""


class NotAllowed(ReferralBuilderError):
    """An action the referral's status or the person's role does not allow; the message
    says which, in words a school or an officer would use."""

    def __init__(self, message: str, *, action: str, status: str, role: str) -> None:
        super().__init__(message)
        self.action = action
        self.status = status
        self.role = role


class StaleVersion(ReferralBuilderError):
    """The case changed since the page was shown: the step is not taken."""


class RowNotCommitted(ReferralBuilderError, LookupError):
    """A job's row is not visible yet: the transaction that queued the job has not
    committed (or never will). Still a LookupError."""


class EventNotSaved(ReferralBuilderError):
    """An event cannot be saved as asked (not because of its file: services/chronology.py):
    the message says why. `problems` is the message again, for the work job's row: the form
    shown again after the job puts it in the error summary, not on the file field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.problems: list[tuple[int | None, str]] = [(None, message)]


class EventConflict(EventNotSaved):
    """Someone else changed the same event since the form was shown."""


class RegisterRefused(ReferralBuilderError):
    """A register file that cannot be used: the message for the file field, and the first
    problems (line, message) to list (line 0: the file as a whole)."""

    def __init__(self, message: str, problems: list[tuple[int, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
