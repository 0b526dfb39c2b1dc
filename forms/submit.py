"""Declaration, submission, and the LA officer's decision."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput
from referral_builder.forms.case import VersionedForm
from referral_builder.forms.fields import DateInput, LongText, Radios, select
from wtforms import BooleanField
from wtforms.validators import InputRequired


class DeclarationForm(VersionedForm):
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

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        ok = super().validate(extra_validators)
        if self.decision.data == "return" and not self.reason.data:
            self.reason.errors = [*self.reason.errors, "Enter the reasons for returning it"]
            ok = False
        return ok


class VerifyForm(FlaskForm):
    bundle = FileField("Upload a bundle PDF",
                       [InputRequired(message="Select a bundle PDF to check")],
                       widget=GovFileInput())


class ImportForm(FlaskForm):
    archive = FileField("Upload a case export (.zip)",
                        [InputRequired(message="Select a case export zip file")],
                        widget=GovFileInput())
