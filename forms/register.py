"""Register marks: a CSV exported from the school's MIS."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from referral_builder.forms.case import VersionedForm
from referral_builder.forms.fields import UPLOAD_HINT, small_enough
from wtforms.validators import InputRequired


class RegisterUploadForm(VersionedForm):
    csv_file = FileField(
        "Upload the register as a CSV file",
        [InputRequired(message="Select a CSV file of register marks"), small_enough],
        widget=GovFileInput(),
        description="Export the pupil’s marks from your MIS (Arbor, SIMS, Bromcom or "
                    "ScholarPack) with columns Date, Session and Code, or Date, AM and PM. "
                    f"{UPLOAD_HINT}")


class RegisterConfirmForm(VersionedForm):
    """Confirm the previewed marks; the marks wait in the session under `token`."""
