"""Entries for "Worth checking" on the evidence check that the web adds to the report's own
(web/cases.py, web/la.py): they are made by `services.notices`."""

from __future__ import annotations

from referral_builder.services.notices import COPY_TYPES, invite_notes, missing_copies

__all__ = ["COPY_TYPES", "invite_notes", "missing_copies"]
