"""Domain exceptions. Every message names the offending value so staff can fix it."""

from __future__ import annotations


class ReferralBuilderError(Exception):
    """Base class for every error this package raises on purpose."""


class InvalidCase(ReferralBuilderError):
    """A case file breaks the `referral-case/1` format.

    `path` is the field path (``events[3].meeting``), so a message can point at it.
    """

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
