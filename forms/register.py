"""Register marks: an export from the school's MIS (CSV or XLSX), then its pupil and columns."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from referral_builder.forms.case import VersionedForm
from referral_builder.forms.fields import UPLOAD_HINT, Dropdown, Radios, select, small_enough
from wtforms.validators import InputRequired


class RegisterUploadForm(VersionedForm):
    csv_file = FileField(
        "Upload the register export",
        [InputRequired(message="Select a CSV or XLSX file of register marks"), small_enough],
        widget=GovFileInput(),
        description="Export the marks from your MIS (Arbor, SIMS, Bromcom or ScholarPack) as "
                    "CSV or Excel (XLSX): one row per session, one row per day with AM and PM, "
                    "or a weekly grid. A whole-class export is fine: you choose the pupil next. "
                    f"{UPLOAD_HINT}")


class RegisterPupilForm(VersionedForm):
    pupil = Radios("Which pupil’s marks should be imported?", [select("the pupil")])


#: The columns a person maps, in the order asked, with the question's wording.
MAPPED_ROLES = (("date", "Date"), ("session", "Session (AM or PM)"), ("mark", "Mark (the code)"),
                ("am", "AM mark (one row per day)"), ("pm", "PM mark (one row per day)"),
                ("student_id", "Pupil (UPN or MIS id)"))


class RegisterColumnsForm(VersionedForm):
    date = Dropdown("Date", [select("the column with the date")])
    session = Dropdown("Session (AM or PM)")
    mark = Dropdown("Mark (the code)")
    am = Dropdown("AM mark (one row per day)")
    pm = Dropdown("PM mark (one row per day)")
    student_id = Dropdown("Pupil (UPN or MIS id)")


class RegisterSheetForm(VersionedForm):
    sheet = Dropdown("Read another sheet of the workbook", [select("the sheet")])


class RegisterConfirmForm(VersionedForm):
    """Confirm the previewed marks; the upload waits in the session."""
