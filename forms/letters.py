"""Letters from the model templates."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from referral_builder.forms.case import VersionedForm
from referral_builder.forms.fields import DateInput, Dropdown, Radios, not_in_future, select
from wtforms import BooleanField


class LetterForm(VersionedForm):
    template = Radios("Which letter?", [select("the letter")], choices=[])
    carer = Radios("Who is it to?", [select("who the letter is to")], choices=[])
    meeting = Dropdown("Which meeting is it about? (optional)", choices=[])
    sent_on = DateInput("Date on the letter", validators=[not_in_future("the date on the letter")],
                        thing="the date on the letter", required=False,
                        description="Leave it as today for a new letter. For a letter you "
                                    "sent earlier, enter the date it was sent, for example "
                                    "5 10 2026.")
    #: Asked only when the letter invites to a meeting it is dated after, or too close to.
    confirm_notice = BooleanField("I confirm the date on the letter is right",
                                  widget=GovCheckboxInput())
