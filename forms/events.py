"""Chronology events: the questions that fit each type (see EVENT_QUESTIONS)."""

from __future__ import annotations

import re

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from referral_builder.forms.case import VersionedForm
from referral_builder.forms.fields import (
    UPLOAD_HINT,
    Checkboxes,
    DateInput,
    Dropdown,
    LongText,
    Radios,
    Text,
    YesNo,
    not_in_future,
    select,
    small_enough,
)
from wtforms import HiddenField
from wtforms.validators import Optional, Regexp, ValidationError

EVENT_TYPE_LABELS = {
    "letter": "Letter", "email": "Email", "text": "Text message", "phone_call": "Phone call",
    "home_visit": "Home visit", "meeting": "Meeting", "agency_contact": "Contact with an agency",
    "support_offer": "Support offered", "referral": "Referral for support",
    "medical_inquiry": "Medical inquiry", "review": "Review of a plan or contract",
    "notice_to_improve": "Notice to improve", "penalty_notice": "Penalty notice",
    "note": "Other note",
}
PURPOSE_LABELS = {
    "attendance_concern": "Attendance concern", "punctuality": "Punctuality",
    "support": "Support offered or in place", "meeting_invite": "Invitation to a meeting",
    "meeting_reminder": "Meeting reminder", "post_meeting": "After a meeting",
    "did_not_attend": "Did not attend a meeting", "continued_concern": "Continued concern",
    "medical_evidence": "Request for medical evidence",
    "unexplained_absence": "Unexplained absence", "warning": "Warning",
    "warning_legal_referral": "Warning of referral to the local authority",
    "stage_1": "Stage 1", "stage_2": "Stage 2", "stage_3": "Stage 3",
    "enforcement": "Enforcement", "other": "Other",
}
ENCLOSES = [("attendance_certificate", "Attendance certificate"),
            ("attendance_plan", "Attendance plan"), ("other", "Other")]
KIND_LABELS = {"attendance_meeting": "Attendance meeting", "attendance_panel": "Attendance panel",
               "legal_planning": "Legal planning meeting", "tac_taf": "TAC or TAF meeting",
               "core_group": "Core group meeting", "other": "Other"}
MEETING_STATUS = {"held": "Held", "did_not_attend": "Parents did not attend",
                  "cancelled": "Cancelled", "rescheduled": "Rescheduled"}
AGENCY_LABELS = {"social_worker": "Social worker", "early_help": "Early Help", "camhs": "CAMHS",
                 "school_nurse": "School nurse", "gp": "GP",
                 "education_welfare": "Education welfare", "lead_professional":
                 "Lead professional", "other": "Other"}
SUPPORT_LABELS = {"early_help_assessment": "Early Help assessment",
                  "early_help_referral": "Early Help referral",
                  "attendance_contract": "Attendance contract",
                  "parenting_contract": "Parenting contract",
                  "medical_action_plan": "Medical action plan",
                  "attendance_plan": "Attendance plan", "key_adult": "Key adult",
                  "mentoring": "Mentoring", "other": "Other"}
OUTCOME_LABELS = {"accepted": "Accepted", "refused": "Refused", "no_response": "No response",
                  "pending": "Waiting for a reply"}
NOTICE_STATUS = {"issued": "Issued", "paid": "Paid", "withdrawn": "Withdrawn",
                 "unpaid": "Unpaid"}
MEDICAL_WITH = {"school_nurse": "School nurse", "gp": "GP", "consultant": "Consultant",
                "other": "Other"}
DIRECTIONS = [("outgoing", "From the school"), ("incoming", "To the school")]
#: `documents[].kind` (issue 13.3): items that need a particular paper look for its kind.
DOCUMENT_KIND_LABELS = {
    "other": "Other", "letter_copy": "Copy of a letter or email sent",
    "medical_evidence": "Medical evidence from the family or a health professional",
    "referral_form": "The authority's completed referral form",
    "attendance_plan": "Attendance plan", "contract": "Contract",
    "meeting_notes": "Meeting notes", "attendance_certificate": "Attendance certificate"}

COMMON = ("date", "time", "by_name", "by_role", "summary", "attachment", "attachment_kind")
#: The questions each type of event asks, besides the common ones. Data, not code paths.
EVENT_QUESTIONS: dict[str, tuple[str, ...]] = {
    "letter": ("to", "purposes", "meeting", "states_attendance_pct", "encloses"),
    "email": ("to", "purposes", "meeting", "states_attendance_pct", "encloses", "direction"),
    "text": ("to", "purposes", "direction"),
    "phone_call": ("with_carers", "direction", "outcome"),
    "home_visit": ("with_carers", "outcome"),
    "meeting": ("kind", "meeting_status", "attended", "plan_agreed", "replaces",
                "requested_by_parent"),
    "agency_contact": ("agency", "direction"),
    "support_offer": ("to", "support", "support_outcome"),
    "referral": ("service", "internal"),
    "medical_inquiry": ("medical_with", "consent_requested"),
    "review": ("of", "improved"),
    "notice_to_improve": ("to", "notice_status"),
    "penalty_notice": ("to", "notice_status"),
    "note": (),
}
#: Questions that must be answered for the type (the rest are optional).
REQUIRED = {"to": "who it was sent to", "purposes": "what it was about", "kind":
            "the kind of meeting", "meeting_status": "what happened at the meeting",
            "agency": "the agency", "support": "the support offered", "service":
            "the service", "medical_with": "who the inquiry was with", "of":
            "the plan or contract reviewed", "notice_status": "the status of the notice"}


def _pct(form, field) -> None:
    if field.data:
        try:
            value = float(field.data.rstrip("%"))
        except ValueError:
            raise ValidationError("Attendance stated must be a number, like 84.5") from None
        if not 0 <= value <= 100:
            raise ValidationError("Attendance stated must be between 0 and 100")


class EventTypeForm(VersionedForm):
    type = Radios("What do you want to record?", [select("what you want to record")],
                  choices=list(EVENT_TYPE_LABELS.items()))


class EventForm(VersionedForm):
    basis = HiddenField()  # a digest of the event as shown (web/events.py)
    date = DateInput("Date", thing="the date", validators=[not_in_future("the date")],
                     description="For example, 27 9 2026")
    time = Text("Time (optional)", [Optional(), Regexp(
        r"^([01]\d|2[0-3]):[0-5]\d$", message="Enter the time as hours and minutes, like 14:30")],
        max_length=5, thing="the time", description="For example, 09:30 or 14:00")
    by_name = Text("Who in school did this? (optional)", max_length=100, thing="the name")
    by_role = Text("Their role (optional)", max_length=100, thing="the role")
    to = Checkboxes("Who was it sent to?", choices=[])
    with_carers = Checkboxes("Who was it with?", choices=[])
    purposes = Checkboxes("What was it about?", choices=list(PURPOSE_LABELS.items()),
                          description="Select all that apply.")
    meeting = Dropdown("Which meeting does it invite to or follow? (optional)", choices=[])
    states_attendance_pct = Text("Attendance stated in it (optional)", [_pct], max_length=6,
                                 thing="the attendance stated",
                                 description="The percentage quoted, like 84.5")
    encloses = Checkboxes("What did it enclose? (optional)", choices=ENCLOSES)
    direction = Radios("Direction", choices=DIRECTIONS, default="outgoing")
    outcome = LongText("Outcome (optional)", max_length=1000)
    kind = Radios("Kind of meeting", choices=list(KIND_LABELS.items()))
    meeting_status = Radios("What happened?", choices=list(MEETING_STATUS.items()))
    attended = Checkboxes("Who came? (optional)", choices=[])
    plan_agreed = YesNo("Was a plan agreed? (optional)")
    replaces = Dropdown("Does it replace a meeting that was rescheduled? (optional)",
                        choices=[])
    requested_by_parent = YesNo("Did the parents ask for the new date? (optional)",
                                description="If they did, the first invitation's notice "
                                            "still counts.")
    agency = Dropdown("Which agency?", choices=[("", "Select an agency"),
                                                *AGENCY_LABELS.items()])
    support = Dropdown("What support?", choices=[("", "Select the support"),
                                                 *SUPPORT_LABELS.items()])
    support_outcome = Radios("What did the family say? (optional)",
                             choices=list(OUTCOME_LABELS.items()))
    service = Text("Which service was the referral to?", max_length=200, thing="the service",
                   description="For example, school nursing, Early Help, or an internal "
                               "mentoring scheme")
    internal = YesNo("Is it a service inside the school? (optional)")
    medical_with = Checkboxes("Who was the inquiry with?", choices=list(MEDICAL_WITH.items()))
    consent_requested = YesNo("Was consent requested? (optional)")
    of = Dropdown("Which plan or contract was reviewed?", choices=[])
    improved = YesNo("Had attendance improved? (optional)")
    notice_status = Radios("Status of the notice", choices=list(NOTICE_STATUS.items()))
    summary = LongText("Summary (optional)", max_length=5000,
                       description="What was said or done, in a sentence or two.")
    attachment = FileField("Attach a document (optional)", [small_enough],
                           widget=GovFileInput(),
                           description=f"A PDF or Word (.docx) file. {UPLOAD_HINT}")
    attachment_kind = Dropdown("What is the attached document? (optional)",
                               choices=list(DOCUMENT_KIND_LABELS.items()))

    def restrict_to(self, event_type: str) -> tuple[str, ...]:
        """Drop the questions that do not fit the type; return the ones kept."""
        kept = COMMON + EVENT_QUESTIONS[event_type]
        for name in list(self._fields):
            if name not in kept and name not in ("version", "once", "basis", "csrf_token"):
                delattr(self, name)
        return kept

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for name, thing in REQUIRED.items():
            field = self._fields.get(name)
            if field is not None and not field.data:
                field.errors = [*field.errors, ("Select " if name != "service" else "Enter ")
                                + thing]
                ok = False
        return ok


def safe_filename(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    return base.strip(".-")[:80] or "document"
