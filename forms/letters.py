"""Letters from the model templates."""

from __future__ import annotations

from referral_builder.forms.case import VersionedForm
from referral_builder.forms.fields import Dropdown, Radios, select


class LetterForm(VersionedForm):
    template = Radios("Which letter?", [select("the letter")], choices=[])
    carer = Radios("Who is it to?", [select("who the letter is to")], choices=[])
    meeting = Dropdown("Which meeting is it about? (optional)", choices=[])
