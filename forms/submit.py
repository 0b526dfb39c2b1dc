"""Declaration, submission, and the LA officer's decision."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput
from referral_builder.forms.case import VersionedForm
from referral_builder.forms.fields import (
    UPLOAD_HINT,
    DateInput,
    LongText,
    Radios,
    select,
    small_enough,
)
from wtforms import BooleanField
from wtforms.validators import InputRequired


class _ReferralDateChecked(VersionedForm):
    """A form with a `referral_date` that must not be too far ahead."""

    referral_date: DateInput

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        problem = referral_date_problem(self.referral_date.data, dt.date.today())
        if problem:
            self.referral_date.errors = [*self.referral_date.errors, problem]
            ok = False
        return ok


class DeclarationForm(_ReferralDateChecked):
    referral_date = DateInput("Date of referral", thing="the date of referral",
                              description="The date you will send the referral. Evidence "
                                          "windows are counted back from it.")
    confirmed = BooleanField(
        "I confirm that the information in this referral is correct to the best of my "
        "knowledge, and that I have read and understand the evidence requirements",
        [InputRequired(message="Confirm the declaration to continue")],
        widget=GovCheckboxInput())


class SubmitForm(VersionedForm):
    pass


class DecisionForm(FlaskForm):
    decision = Radios("What is your decision?", [select("accept or return the referral")],
                      choices=[("accept", "Accept the referral"),
                               ("return", "Return it to the school")])
    reason = LongText("Reasons (needed to return it)", max_length=5000,
                      description="Say what is missing or wrong. The school will see this.")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data == "return" and not self.reason.data:
            self.reason.errors = [*self.reason.errors, "Enter the reasons for returning it"]
            ok = False
        return ok


class VerifyForm(FlaskForm):
    bundle = FileField("Upload a bundle PDF",
                       [InputRequired(message="Select a bundle PDF to check"), small_enough],
                       widget=GovFileInput(), description=UPLOAD_HINT)


class ImportForm(FlaskForm):
    archive = FileField("Upload a case export (.zip)",
                        [InputRequired(message="Select a case export zip file"),
                         small_enough], widget=GovFileInput(), description=UPLOAD_HINT)


#: A referral is made now or soon: a date further ahead is almost always a typing slip
#: (a year or month wrong), and it would count school days nobody has marked yet.
REFERRAL_DATE_MAX_DAYS_AHEAD = 30


def long_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def referral_date_problem(value: dt.date | None, today: dt.date) -> str | None:
    """Why a date of referral cannot be used, or None."""
    if value is None:
        return None
    latest = today + dt.timedelta(days=REFERRAL_DATE_MAX_DAYS_AHEAD)
    if value > latest:
        return (f"The date of referral must be no later than {long_date(latest)} "
                f"({REFERRAL_DATE_MAX_DAYS_AHEAD} days from today)")
    return None


class ReferralDateForm(_ReferralDateChecked):
    referral_date = DateInput("Date of referral", thing="the date of referral",
                              description="The date you will send the referral, for example "
                                          "15 10 2026. Evidence windows are counted back "
                                          "from it.")


class ReplyForm(FlaskForm):
    message = LongText("Your reply to the local authority", max_length=5000,
                       description="Say what you have changed, or answer their question. "
                                   "They see it with the referral when you send it again.")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.message.data or "").strip():
            self.message.errors = [*self.message.errors, "Enter your reply"]
            ok = False
        return ok
