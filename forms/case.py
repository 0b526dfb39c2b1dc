"""Starting a case: the authority, its evidence requirements, the pupil and the flags."""

from __future__ import annotations

import datetime as dt
import secrets

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from referral_builder.forms.fields import (
    Checkboxes,
    DateInput,
    LongText,
    Radios,
    Text,
    enter,
    select,
)
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import InputRequired, Regexp
from wtforms.widgets import TextInput

YEAR_GROUPS = ["Reception", *[f"Year {n}" for n in range(1, 14)]]
FLAG_LABELS = {
    "social_worker": "Has a social worker",
    "early_help": "Early Help is involved",
    "camhs": "CAMHS is involved",
    "tac_taf": "Team Around the Child or Family (TAC/TAF)",
    "child_in_need": "Child in need plan",
    "child_protection": "Child protection plan",
    "looked_after": "Looked after child",
    "medical_needs": "Known medical needs",
}
SEND_LABELS = {"none": "No special educational needs",
               "send_support": "SEN support", "ehcp": "Education, health and care plan (EHCP)"}


class HiddenTextInput(TextInput):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("hidden", True)
        kwargs.setdefault("aria-hidden", "true")
        kwargs.setdefault("tabindex", "-1")
        return super().__call__(field, **kwargs)


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class VersionedForm(FlaskForm):
    """Every form that changes a case carries the version it was shown, for optimistic locking,
    and a one-time token (`once`) so that a create form submitted twice saves once."""

    version = HiddenField()
    # A text box with the `hidden` attribute, not type=hidden: browsers restore a text box's
    # value when Back brings the form again (even re-fetched), so Save after Back sends the
    # token of the first save and is shown the saved record.
    once = StringField(default=_new_token, widget=HiddenTextInput())


class AuthorityForm(FlaskForm):
    authority = Radios("Which local authority will you refer to?",
                       [select("the local authority")])


class AcknowledgeForm(FlaskForm):
    confirm = BooleanField(
        "I have read and understand the evidence requirements",
        [InputRequired(message="Confirm that you have read and understand the evidence "
                               "requirements")],
        widget=GovCheckboxInput())


class PupilForm(VersionedForm):
    first_name = Text("First name", [enter("the pupil’s first name")], max_length=100,
                      thing="the first name")
    last_name = Text("Last name", [enter("the pupil’s last name")], max_length=100,
                     thing="the last name")
    date_of_birth = DateInput("Date of birth", thing="the pupil’s date of birth",
                              description="For example, 3 5 2016")
    upn = Text("Unique pupil number (UPN) (optional)", [Regexp(
        r"^$|^[A-Z]\d{11}[0-9A-Z]$", message="Enter the UPN as 13 characters, like "
                                             "A123456789012")],
        max_length=13, thing="the UPN")
    year_group = Radios("Year group", [select("the pupil’s year group")],
                        choices=[(y, y) for y in YEAR_GROUPS])
    address = Text("Home address", [enter("the pupil’s home address")], max_length=300,
                   thing="the home address")
    admission_date = DateInput("Date the pupil joined the school (optional)",
                               thing="the date the pupil joined the school", required=False)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        problem = date_of_birth_problem(self.date_of_birth.data, self.year_group.data,
                                        dt.date.today())
        if problem:
            self.date_of_birth.errors = [*self.date_of_birth.errors, problem]
            ok = False
        return ok


def expected_year_group(born: dt.date, today: dt.date) -> int:
    """The year group (0 = Reception) of a child born on `born`, in England, this school year.

    A child starts Reception in the September after their 4th birthday; the school year
    starts on 1 September, so a child born 1 September to 31 August is in one year group.
    """
    school_year = today.year if today.month >= 9 else today.year - 1
    cohort = born.year if born.month >= 9 else born.year - 1  # the school year they were born in
    return school_year - cohort - 5


def date_of_birth_problem(born: dt.date | None, year_group: str | None, today: dt.date
                          ) -> str | None:
    """Why the date of birth cannot be right, or None. A pupil taught one year out of their
    age group is common (summer-born, out-of-year placements), so only two or more is refused."""
    if born is None:
        return None
    if born > today:
        return "The pupil’s date of birth must be in the past"
    if year_group not in YEAR_GROUPS:
        return None
    stated = YEAR_GROUPS.index(year_group)
    expected = expected_year_group(born, today)
    if abs(stated - expected) >= 2:
        age_group = YEAR_GROUPS[expected] if 0 <= expected < len(YEAR_GROUPS) else None
        fits = f"; a pupil born then is usually in {age_group}" if age_group else ""
        return (f"The pupil’s date of birth does not fit {year_group}{fits}. Check the date of "
                "birth and the year group")
    return None


class FlagsForm(VersionedForm):
    flags = Checkboxes("Which of these apply to the pupil?",
                       choices=list(FLAG_LABELS.items()),
                       description="Select all that apply.")
    send = Radios("Special educational needs", [select("the pupil’s special educational needs")],
                  choices=list(SEND_LABELS.items()))


class NotApplicableForm(VersionedForm):
    reason = LongText("Why does this not apply?", [enter("why this does not apply")],
                      max_length=1000, description="For example: no known medical issues, and "
                                                   "no I or M marks this year.")
