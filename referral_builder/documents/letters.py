"""Draft the model letters as DOCX from templates and the case: one letter, one carer.

Templates are Word files with docxtpl merge fields, listed in ``templates/letters/letters.yaml``
(README.md beside them lists the fields). A school may replace a built-in template with its
own ``<id>.docx`` in a folder named by ``REFERRAL_BUILDER_LETTER_DIR`` (several folders
separated by ``os.pathsep``) or passed as `template_dirs`; the first folder holding the file
wins. Templates are rendered in a Jinja sandbox with autoescaping, so neither a template nor
a merge value can run code or inject Word XML.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from referral_builder.documents.letter_templates import (
    ENV_LETTER_DIR,
    MEETING_MODES,
    LetterError,
    LetterTemplate,
    UnknownTemplate,
    builtin_dir,
    get_template,
    list_templates,
)
from referral_builder.documents.safety import check_docx
from referral_builder.domain import stats
from referral_builder.domain.errors import ContactRestricted, MissingField, TemplateFailed
from referral_builder.domain.model import Carer, Case, Event

MIN_NOTICE_DAYS = 7  # Walsall item 2 and Bloxwich item 2: "at least 7 days' notice"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SUPPORT_LABELS = {
    "early_help_assessment": "Early Help assessment", "early_help_referral": "Referral to "
    "Early Help", "attendance_contract": "Attendance contract", "parenting_contract":
    "Parenting contract", "medical_action_plan": "Medical action plan", "attendance_plan":
    "Attendance plan", "key_adult": "A key adult in school", "mentoring": "Mentoring",
    "other": "Other support"}
OUTCOMES = {"accepted": "accepted", "refused": "refused", "no_response": "no reply yet",
            "pending": "waiting for your reply"}
BOOLEAN_EXTRAS = {"invite_pupil"}
GENERAL_EXTRAS = {"signatory_name", "signatory_role"}  # every template's signature block


@dataclass(frozen=True)
class LetterResult:
    """A drafted letter, what it should be recorded as, and what staff should check first.

    `event` is the letter as a case-file event (type ``letter``, dated `on`, to the carer,
    with the template's purposes, the meeting it invites to or follows, the attendance % it
    states and its enclosures), ready to add to the case once the letter is sent.
    """

    docx: bytes
    warnings: tuple[str, ...]
    purposes: tuple[str, ...]
    template: LetterTemplate
    event: Event


# ---- rendering -----------------------------------------------------------------------------


def render_letter(case: Case, template_id: str, carer_id: str, *, on: dt.date | None = None,
                  meeting: Event | None = None, extra: dict[str, Any] | None = None,
                  template_dirs: list[Path] | None = None) -> LetterResult:
    """Draft letter `template_id` to carer `carer_id`, dated `on` (default: today).

    Raises `UnknownTemplate`, `ContactRestricted`, `MissingField` (naming the case field, e.g.
    ``carers[c2].address``), `LetterError` for a wrong carer or meeting id, `TemplateFailed`
    for a template that cannot be filled in, and `UnsafeDocument` for a refused template
    file. Attendance figures are computed from the register as of `on`.
    """
    template = get_template(template_id, template_dirs)
    on = on or dt.date.today()
    carer = _carer(case, carer_id)
    extra = {k: _clean(v) if isinstance(v, str) else v for k, v in (extra or {}).items()}
    for key in BOOLEAN_EXTRAS & extra.keys():
        extra[key] = str(extra[key]).strip().lower() in ("1", "yes", "true", "y")
    if meeting is not None and meeting.type != "meeting":
        raise LetterError(f"events[{meeting.id}] is a {meeting.type}, not a meeting")
    if template.meeting == "none":
        meeting = None
    new_meeting = _new_meeting(case, meeting, extra) if template.new_meeting else None

    picture = stats.compute(case, on)
    context = _context(case, carer, on, picture, meeting, new_meeting, extra, template)
    _check_required(template, context, carer, meeting, new_meeting, on)
    warnings = _warnings(template, case, carer, on, picture, meeting, new_meeting)
    unused = sorted(set(extra) - set(template.extra) - GENERAL_EXTRAS)
    if unused and not template.overridden:  # a school's own template may use any name
        uses = ", ".join(sorted(set(template.extra) | GENERAL_EXTRAS))
        warnings.append(f"This letter does not use {', '.join(unused)}; it can use: {uses}.")

    data = _render(template, context)
    purposes = template.purposes
    if meeting is None and new_meeting is None:
        purposes = tuple(p for p in purposes if p != "meeting_invite")
    invited = new_meeting or meeting
    pct = picture.counts.attendance_pct()
    event = Event(id=f"letter-{template.id}-{carer.id}-{on.isoformat()}", type="letter",
                  date=on, to=(carer.id,), summary=template.title, purposes=purposes,
                  meeting=invited.id if invited else None,
                  states_attendance_pct=round(pct, 1) if pct is not None else None,
                  encloses=template.encloses, template=template.id)
    return LetterResult(data, tuple(warnings), purposes, template, event)


def _render(template: LetterTemplate, context: dict[str, Any]) -> bytes:
    data = template.path.read_bytes()
    check_docx(data, name=f"The letter template {template.path.name}")
    env = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)
    try:
        document = DocxTemplate(io.BytesIO(data))
        document.render(context, jinja_env=env, autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except jinja2.TemplateError as exc:
        raise TemplateFailed(f"The letter template {template.path} cannot be filled in: "
                             f"{exc}. templates/letters/README.md lists the merge fields"
                             ) from None
    except (ValueError, KeyError) as exc:
        raise TemplateFailed(f"The letter template {template.path} cannot be filled in: "
                             f"{exc}") from None
    return out.getvalue()


# ---- the merge fields ----------------------------------------------------------------------


class _Extra(dict[str, Any]):
    """Values given by the user; an unset one reads as empty, so templates can test it."""

    def __missing__(self, key: str) -> str:
        return ""


def _carer(case: Case, carer_id: str) -> Carer:
    carer = case.carer(carer_id)
    if carer is None:
        known = ", ".join(f"{c.id} ({c.name})" for c in case.carers) or "none"
        raise LetterError(f'carers: there is no carer with id "{carer_id}"; the carers are '
                          f"{known}")
    if carer.contact_restriction:
        raise ContactRestricted(f"carers[{carer.id}] ({carer.name}) must not be contacted: "
                                f"{carer.contact_restriction}. No letter was drafted")
    return carer


def _new_meeting(case: Case, missed: Event | None, extra: dict[str, Any]) -> Event | None:
    """The meeting a did-not-attend letter re-invites to: `extra['new_meeting']`, else the
    first meeting dated after the missed one that is not cancelled."""
    if extra.get("new_meeting"):
        found = case.event(str(extra["new_meeting"]))
        if found is None or found.type != "meeting":
            raise LetterError(f'new_meeting: there is no meeting with id "{extra["new_meeting"]}"')
        return found
    if missed is None or missed.date is None:
        return None
    later = [e for e in case.events if e.type == "meeting" and e.date and e.date > missed.date
             and e.status != "cancelled"]
    return min(later, key=lambda e: (e.date, e.time or ""), default=None)


def long_date(d: dt.date) -> str:
    """14 October 2026."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def clock(time: str | None) -> str:
    """09:30 → 9:30am, 14:00 → 2pm (GOV.UK style); anything unparsable is kept as given."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", (time or "").strip())
    if not match:
        return _clean(time or "")
    hour, minute = int(match[1]), int(match[2])
    if hour == 12 and minute == 0:
        return "midday"
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{f':{minute:02d}' if minute else ''}{suffix}"


def _clean(text: str, *, lines: bool = False) -> str:
    """Drop control characters (lxml refuses them; docxtpl reads \\a, \\f, \\t as layout)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    kept = "".join(ch for ch in text if (ch == "\n" and lines)
                   or unicodedata.category(ch) not in ("Cc", "Cs", "Cn"))
    return re.sub(r"[ \t]+", " ", kept).strip() if not lines else kept.strip()


def _address(text: str) -> str:
    """One line per part: 'a, b\\nc' → 'a\\nb\\nc'; docxtpl turns \\n into line breaks."""
    parts = [p.strip() for p in re.split(r"[\n,]", _clean(text, lines=True))]
    return "\n".join(p for p in parts if p)


def _meeting_fields(meeting: Event | None, carer: Carer, extra: dict[str, Any], school: str,
                    ) -> dict[str, Any]:
    if meeting is None:
        return {"id": "", "date": "", "time": "", "when": "", "venue": "", "with": "",
                "carer_attended": False, "held": False, "plan_agreed": False}
    date = long_date(meeting.date) if meeting.date else ""
    when = f"{DAYS[meeting.date.weekday()]} {date}" if meeting.date else ""
    if meeting.time:
        when += f" at {clock(meeting.time)}"
    by = meeting.by
    with_ = ", ".join(x for x in (by.name, by.role) if x) if by else ""
    if by and by.name and by.role:
        with_ = f"{by.name} ({by.role})"
    venue = extra.get("venue") or meeting.extra.get("venue") or school
    return {"id": meeting.id, "date": date, "time": clock(meeting.time), "when": when,
            "venue": _clean(str(venue)), "with": _clean(with_),
            "carer_attended": carer.id in (meeting.attended or ()),
            "held": meeting.status == "held", "plan_agreed": bool(meeting.plan_agreed)}


def _support(case: Case, on: dt.date) -> list[str]:
    lines = []
    for e in sorted(case.events, key=lambda e: e.date or dt.date.min):
        if e.date is None or e.date > on:
            continue
        if e.type == "support_offer":
            label = SUPPORT_LABELS.get(e.support or "other", "Support")
            outcome = f": {OUTCOMES[e.outcome]}" if e.outcome in OUTCOMES else ""
            lines.append(f"{label}, offered on {long_date(e.date)}{outcome}")
        elif e.type == "referral":
            service = (e.service or "support").replace("_", " ")
            lines.append(f"Referral to {service} on {long_date(e.date)}")
    return [_clean(line) for line in lines]


def _working_days_after(d: dt.date, n: int) -> dt.date:
    while n:
        d += dt.timedelta(days=1)
        n -= d.weekday() < 5
    return d


def _context(case: Case, carer: Carer, on: dt.date, picture: stats.Stats,
             meeting: Event | None, new_meeting: Event | None, extra: dict[str, Any],
             template: LetterTemplate) -> dict[str, Any]:
    school, pupil, counts = case.school, case.pupil, picture.counts
    pct = counts.attendance_pct()
    la = _clean(school.local_authority)
    days = counts.absent / 2
    broken, weeks = picture.broken_weeks
    held_before = any(e.type == "meeting" and e.date and e.date <= on and e.attended
                      for e in case.events)
    signatory = extra.get("signatory_name") or school.head_teacher
    role = extra.get("signatory_role") or ("Head teacher" if not extra.get("signatory_name")
                                           else "")
    return {
        "letter_date": long_date(on),
        "template": {"id": template.id, "title": template.title},
        "school": {"name": _clean(school.name), "address_block": _address(school.address),
                   "head_teacher": _clean(school.head_teacher), "urn": _clean(school.urn),
                   "local_authority": la,
                   "local_authority_name": (la if "council" in la.lower() else
                                            f"{la} local authority") if la else
                   "the local authority"},
        "pupil": {"first_name": _clean(pupil.first_name), "last_name": _clean(pupil.last_name),
                  "full_name": _clean(pupil.full_name), "dob": long_date(pupil.date_of_birth),
                  "year_group": _clean(pupil.year_group), "upn": _clean(pupil.upn)},
        "carer": {"id": carer.id, "name": _clean(carer.name), "address_block":
                  _address(carer.address), "relationship": _clean(carer.relationship)},
        "attendance": {
            "pct": f"{pct:.1f}%" if pct is not None else "", "to": long_date(on),
            "from": long_date(picture.period_start), "possible": counts.possible,
            "attended": counts.attended, "absent_sessions": counts.absent,
            "authorised": counts.authorised, "unauthorised": counts.unauthorised,
            "days_missed": f"{days:g}", "late": sum(counts.by_code.get(c, 0) for c in "LU"),
            "broken_weeks": f"{broken}/{weeks}"},
        "meeting": _meeting_fields(meeting, carer, extra, school.name),
        "new_meeting": _meeting_fields(new_meeting, carer, extra, school.name),
        "support": _support(case, on),
        "unexplained": [f"{DAYS[d.weekday()]} {long_date(d)}, "
                        f"{'morning' if s == 'AM' else 'afternoon'}"
                        for d, s in picture.unresolved_n],
        "respond_by": _clean(str(extra.get("respond_by") or "")) or
        long_date(_working_days_after(on, 5)),
        "target_pct": _clean(str(extra.get("target_pct") or "97%")),
        "option": extra.get("option") or ("previous_meeting" if held_before
                                          else "no_engagement"),
        "signatory": {"name": _clean(str(signatory)), "role": _clean(str(role))},
        "extra": _Extra(extra),
    }


# ---- checks --------------------------------------------------------------------------------


def _lookup(context: dict[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value


def _missing(field: str, template: LetterTemplate, carer: Carer, meeting: Event | None,
             new_meeting: Event | None, on: dt.date) -> MissingField:
    """The error for an empty `field`, naming where it lives in the case file."""
    head, _, rest = field.partition(".")
    if head == "carer":
        label = {"address": "the carer's address", "name": "the carer's name"}.get(rest, rest)
        return MissingField(f"carers[{carer.id}].{rest}", label)
    if head == "school":
        label = {"head_teacher": "the head teacher's name"}.get(rest, f"the school's {rest}")
        return MissingField(f"school.{rest}", label)
    if head == "pupil":
        return MissingField(f"pupil.{rest}", f"the pupil's {rest.replace('_', ' ')}")
    if head == "attendance":
        return MissingField("register", "the attendance %",
                            f"has no possible sessions up to {long_date(on)}")
    if head == "unexplained":
        return MissingField("register", "the sessions to list",
                            f"has no unexplained absences (N) up to {long_date(on)}")
    if head in ("meeting", "new_meeting"):
        event = meeting if head == "meeting" else new_meeting
        if event is None and head == "meeting":
            return MissingField("meeting", "the meeting (choose it with --meeting EVENT_ID)",
                                "is not chosen")
        if event is None:
            missed = f' "{meeting.id}"' if meeting else ""
            return MissingField("new_meeting", "a meeting event for the new date (or "
                                "new_meeting=EVENT_ID)", f"has no meeting after{missed}")
        return MissingField(f"events[{event.id}].{rest}", f"the meeting's {rest}")
    if head == "extra":
        return MissingField(rest, template.extra.get(rest, rest))
    return MissingField(field, field)


#: Where a required field's value sits in the merge context, when not at its own name.
PROBES = {"attendance": "attendance.pct", "meeting": "meeting.id", "new_meeting": "new_meeting.id",
          "carer.address": "carer.address_block", "school.address": "school.address_block",
          "pupil.date_of_birth": "pupil.dob"}


def _check_required(template: LetterTemplate, context: dict[str, Any], carer: Carer,
                    meeting: Event | None, new_meeting: Event | None, on: dt.date) -> None:
    always = ("carer.name", "school.name", "pupil.first_name", "pupil.last_name")
    for name in (*always, *template.required):
        probe = PROBES.get(name, name)
        if not _lookup(context, probe):
            raise _missing(name, template, carer, meeting, new_meeting, on)
    for options in template.required_any:
        probes = [PROBES.get(o, o) for o in options]
        if not any(_lookup(context, p) for p in probes):
            names = " or ".join(o.removeprefix("extra.") for o in options)
            raise MissingField(options[0], f"one of: {names}", "is not chosen")
    if not context["signatory"]["name"]:
        raise MissingField("school.head_teacher", "the name of the person who signs it (or "
                           "signatory_name)")


def _warnings(template: LetterTemplate, case: Case, carer: Carer, on: dt.date,
              picture: stats.Stats, meeting: Event | None, new_meeting: Event | None,
              ) -> list[str]:
    warnings = []
    invited = new_meeting if template.new_meeting else meeting
    if "meeting_invite" in template.purposes and invited is not None and invited.date:
        notice = (invited.date - on).days
        if notice < 0:
            warnings.append(f"The meeting on {long_date(invited.date)} is before this letter's "
                            f"date ({long_date(on)}).")
        elif notice < MIN_NOTICE_DAYS:
            latest = invited.date - dt.timedelta(days=MIN_NOTICE_DAYS)
            warnings.append(
                f"The meeting on {long_date(invited.date)} is {notice} days after this "
                f"letter's date ({long_date(on)}): at least {MIN_NOTICE_DAYS} days' notice "
                f"is required (Walsall, Bloxwich). Send the letter by {long_date(latest)} or "
                "move the meeting.")
    if "post_meeting" in template.purposes and meeting and meeting.date and meeting.date > on:
        warnings.append(f"This letter follows the meeting on {long_date(meeting.date)}, but is "
                        f"dated before it ({long_date(on)}).")
    for event in (meeting, new_meeting):
        if event is not None and event.status in ("cancelled", "rescheduled") and event.date:
            warnings.append(f"The meeting on {long_date(event.date)} is recorded as "
                            f"{event.status}.")
    if not carer.in_parent_set:
        warnings.append(f"{carer.name} is not recorded as having parental responsibility or "
                        "day-to-day care of the pupil.")
    if "warning_legal_referral" in template.purposes:
        if picture.unresolved_n:
            warnings.append(f"The register has {len(picture.unresolved_n)} unresolved N marks "
                            "up to this date; resolve them before the attendance certificate "
                            "is enclosed.")
        if not picture.of_csa:
            warnings.append(f"{case.pupil.full_name} is not of compulsory school age on "
                            f"{long_date(on)}; legal intervention does not apply.")
    return warnings


def with_event_id(result: LetterResult, event_id: str) -> LetterResult:
    """Return `result` with its letter event renamed (ids must be unique within a case)."""
    return replace(result, event=replace(result.event, id=event_id))


__all__ = ["ENV_LETTER_DIR", "MEETING_MODES", "ContactRestricted", "LetterError", "LetterResult",
           "LetterTemplate", "MissingField", "TemplateFailed", "UnknownTemplate", "builtin_dir",
           "get_template", "list_templates", "render_letter", "with_event_id"]
