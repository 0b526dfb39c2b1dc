"""Example cases for every seed process, ready and incomplete (issue 13.6).

Written by `make_examples.py`. Each folder holds `case.json`, `register.csv` and the evidence:
the letters are drafted by the tool itself from its model letters (templates/letters), so the
example bundles show real letters, with names in any alphabet; other papers (meeting notes,
the completed referral form) are one-page PDFs set in a Unicode font.

- `bloxwich-academy-*`: Walsall LA with Bloxwich Academy Primary's own process (seed 000/001).
- `staged-academy-*`: Stockport LA with an academy using the staged intervention flowchart
  (seed 002/004).
- `east-sussex-*`: the East Sussex federation and the AST Tier 3 referral (seed 003).
- `stockport-*`: a Stockport school's Stage 3 enforcement referral (seed 004).

Each `-incomplete` case is its `-ready` case with two pieces of evidence wrong; `INCOMPLETE`
names the items `check` reports as not met.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from referral_builder.domain.model import (
    Carer,
    Case,
    Declaration,
    Document,
    Event,
    Flags,
    Mark,
    Person,
    Pupil,
    School,
    Sibling,
)

D = dt.date
HALF_TERM = (D(2026, 10, 26), D(2026, 10, 30))

#: The items each incomplete example fails, by folder.
INCOMPLETE: dict[str, set[str]] = {
    "bloxwich-academy-incomplete": {"blx_post_meeting_letter_ao", "blx_stage3_second_ao_letter"},
    "staged-academy-incomplete": {"sif_initial_review", "stk_s2_letter"},
    "east-sussex-incomplete": {"esx_penalty_notice", "esx_ast_referral_form"},
    "stockport-incomplete": {"stk_s2_eha_reoffer", "stk_s2_first_day_calling"},
}


# ---- register -------------------------------------------------------------------------------

def weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)
            if (start + dt.timedelta(days=n)).weekday() < 5]


def register(start: dt.date, end: dt.date, closed: Iterable[tuple[dt.date, dt.date]],
             absent: dict[dt.date, str]) -> tuple[Mark, ...]:
    """Marks for every weekday: `#` when closed, the absence code on absent days, else present."""
    closed = list(closed)
    out: list[Mark] = []
    for d in weekdays(start, end):
        if any(a <= d <= b for a, b in closed):
            am = pm = "#"
        else:
            am = pm = absent.get(d, "")
            if not am:
                am, pm = "/", "\\"
        out += [Mark(d, "AM", am), Mark(d, "PM", pm)]
    return tuple(out)


def off(*days: dt.date | tuple[dt.date, dt.date], code: str = "O") -> dict[dt.date, str]:
    found: dict[dt.date, str] = {}
    for d in days:
        for x in (weekdays(*d) if isinstance(d, tuple) else [d]):
            found[x] = code
    return found


# ---- events ---------------------------------------------------------------------------------

def ev(id: str, type: str, date: dt.date, **fields: Any) -> Event:
    for key in ("to", "with_", "purposes", "encloses", "documents", "attended",
                "evidence_for"):
        if key in fields and fields[key] is not None:
            fields[key] = tuple(fields[key])
    return Event(id=id, type=type, date=date, **fields)


def letters(id: str, date: dt.date, template: str, purposes: list[str], by: Person,
            to: Iterable[str], summary: str, **fields: Any) -> tuple[Event, ...]:
    """One letter per carer (each gets their own copy), drafted from `template`."""
    return tuple(ev(f"{id}{c}", "letter", date, to=[c], by=by, template=template,
                    purposes=purposes, summary=summary, **fields) for c in to)


# ---- evidence -------------------------------------------------------------------------------

#: Extra merge fields some templates need (East Sussex Letters 2 and 3).
LETTER_EXTRAS: dict[str, dict[str, str]] = {
    "east_sussex_letter_2": {"actions": "Nikos to be dropped at the gate by 8.40am; class "
                             "teacher to check in each morning.",
                             "targets": "No unauthorised absence in the next four weeks."},
    "east_sussex_letter_3": {"actions": "Daily check-in with the Head of School; attendance "
                             "reviewed every fortnight.", "target_pct": "95%"},
}


def draft_letter(case: Case, e: Event) -> bytes:
    """The letter as the tool drafts it from its model letter, as a PDF."""
    from referral_builder.documents.docx_pdf import docx_to_pdf
    from referral_builder.documents.letters import render_letter

    assert e.template and e.date
    meeting = case.event(e.meeting) if e.meeting else None
    extra: dict[str, Any] = dict(LETTER_EXTRAS.get(e.template, {}))
    if e.by is not None:
        extra.update(signatory_name=e.by.name, signatory_role=e.by.role)
    result = render_letter(case, e.template, e.to[0], on=e.date, meeting=meeting, extra=extra)
    return docx_to_pdf(result.docx, title=result.template.title)


def paper_pdf(title: str, lines: Iterable[str] = ()) -> bytes:
    """A one-page PDF (meeting notes, a completed form) in a font that prints any name."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from referral_builder.documents.docx_pdf import body_font

    font = body_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    c.setTitle(title)
    c.setFont(font, 14)
    c.drawString(72, 770, title)
    c.setFont(font, 11)
    y = 740
    for line in lines:
        c.drawString(72, y, line)
        y -= 18
    c.showPage()
    c.save()
    return buf.getvalue()


def with_evidence(case: Case, papers: dict[str, tuple[str, str, list[str]]] | None = None,
                  ) -> tuple[Case, dict[str, bytes]]:
    """Attach a drafted copy to every letter with a template, and the given papers.

    `papers`: event id -> (document kind, title, lines). Returns the case and its files.
    """
    files: dict[str, bytes] = {}
    documents: list[Document] = list(case.documents)
    events: list[Event] = []
    for e in case.events:
        doc_ids: list[str] = list(e.documents)
        if e.type == "letter" and e.template and e.date:
            name = f"evidence/{e.date:%Y-%m-%d}-{e.id}-{e.template}.pdf"
            files[name] = draft_letter(case, e)
            carer = case.carer(e.to[0])
            documents.append(Document(f"d_{e.id}", name, f"{e.summary} to "
                                      f"{carer.name if carer else e.to[0]}, {e.date:%d %b %Y}",
                                      "letter_copy"))
            doc_ids.append(f"d_{e.id}")
        if papers and e.id in papers and e.date:
            kind, title, lines = papers[e.id]
            name = f"evidence/{e.date:%Y-%m-%d}-{e.id}-{kind}.pdf"
            files[name] = paper_pdf(title, lines)
            documents.append(Document(f"d_{e.id}_{kind}", name, title, kind))
            doc_ids.append(f"d_{e.id}_{kind}")
        events.append(replace(e, documents=tuple(doc_ids)))
    return replace(case, events=tuple(events), documents=tuple(documents)), files


# ---- Walsall with Bloxwich Academy Primary ---------------------------------------------------

AO = Person("Kerry Jones", "Attendance Officer")
AHT = Person("Ravi Shah", "AHT Inclusion")
DSL = Person("Sam Patel", "DSL")


def bloxwich_ready() -> Case:
    both = ["c1", "c2"]
    referral = D(2026, 12, 11)
    absences = off(D(2026, 9, 21), D(2026, 9, 22), (D(2026, 10, 5), D(2026, 10, 7)),
                   D(2026, 11, 9), D(2026, 11, 10))
    marks = register(D(2026, 6, 1), referral, [(D(2026, 7, 20), D(2026, 9, 2)), HALF_TERM],
                     absences)
    events = (
        ev("e01", "phone_call", D(2026, 9, 22), with_=["c1"], by=DSL,
           outcome="Mother said Zoë is worried about friendships at lunchtime."),
        ev("e02", "email", D(2026, 9, 23), to=["c2"], by=DSL, purposes=["attendance_concern"],
           summary="Email to Łukasz about Zoë's attendance since 21 September."),
        *letters("e03", D(2026, 9, 24), "attendance_concern",
                 ["attendance_concern", "punctuality", "support", "stage_1"], DSL, both,
                 "Stage 1 attendance concern letter"),
        *letters("e04", D(2026, 9, 25), "attendance_concern", ["warning"], DSL, both,
                 "Warning letter: attendance has reached 92%"),
        *letters("e05", D(2026, 10, 8), "meeting_invite", ["meeting_invite"], AO, both,
                 "Invitation to an attendance meeting", meeting="m1"),
        ev("e06", "text", D(2026, 10, 13), to=both, by=DSL, purposes=["meeting_reminder"],
           meeting="m1", summary="Reminder: attendance meeting on Thu 15 Oct at 4pm."),
        ev("m1", "meeting", D(2026, 10, 15), time="16:00", kind="attendance_meeting",
           attended=both, status="held", by=AO, plan_agreed=True,
           summary="Attendance meeting with both parents; plan agreed."),
        ev("e07", "support_offer", D(2026, 10, 15), support="early_help_referral",
           outcome="refused", by=AHT, to=both, summary="Early Help referral offered; declined."),
        ev("e08", "support_offer", D(2026, 10, 15), support="parenting_contract",
           outcome="accepted", by=AO, to=both, summary="Parenting contract agreed."),
        *letters("e09", D(2026, 10, 16), "post_meeting", ["post_meeting"], AO, both,
                 "Letter after the meeting of 15 October", meeting="m1",
                 states_attendance_pct=84.4),
        ev("e10", "referral", D(2026, 10, 19), service="in-school mentoring", internal=True,
           by=DSL, summary="Referral to the learning mentor for weekly sessions."),
        ev("m3", "meeting", D(2026, 11, 19), time="16:00", kind="attendance_meeting",
           attended=["c1"], status="held", by=AO,
           summary="Stage 2 meeting: no improvement; mother attended."),
        *letters("p3", D(2026, 11, 20), "post_meeting", ["post_meeting"], AO, both,
                 "Letter after the Stage 2 meeting of 19 November", meeting="m3",
                 states_attendance_pct=86.3),
        *letters("e11", D(2026, 11, 23), "continued_concern",
                 ["continued_concern", "punctuality", "support"], DSL, both,
                 "Continued concern letter: support in place (weekly mentoring)"),
        *letters("a2", D(2026, 12, 3), "continued_concern", ["stage_3", "continued_concern"],
                 AO, both, "Second letter from the Attendance Officer"),
        ev("e12", "agency_contact", D(2026, 12, 7), agency="education_welfare", by=AO,
           summary="Attendance record of support sent to the welfare mailbox."),
        *letters("e13", D(2026, 12, 8), "warning_legal_referral",
                 ["warning_legal_referral", "warning"], DSL, both,
                 "Warning of a Legal Intervention Referral",
                 encloses=["attendance_certificate"]),
    )
    return Case(
        reference="WAL-2026-0107", authority="walsall", school_process="bloxwich-academy",
        referral_date=referral,
        school=School("Bloxwich Academy Primary", "123456", "Walsall", "Mrs Amanda Head",
                      "Leamore Lane, Bloxwich, Walsall WS3 2BB"),
        pupil=Pupil("Zoë", "Nowak-Smith", D(2016, 5, 3), "A123456789012", "Year 5",
                    "12 Elm Road, Walsall WS3 1AA", D(2021, 9, 1), Flags()),
        carers=(Carer("c1", "Jane Smith", "mother", True, True, "12 Elm Road, Walsall WS3 1AA",
                      "jane.smith@example.org", "07700 900123"),
                Carer("c2", "Łukasz Nowak", "father", True, True,
                      "12 Elm Road, Walsall WS3 1AA", "lukasz.nowak@example.org",
                      "07700 900456")),
        marks=marks, events=events,
        not_applicable={
            "blx_external_party_communication": "No social worker, Early Help, CAMHS or "
            "TAC/TAF involvement: the parents declined Early Help on 15 Oct 2026.",
            "blx_medical_investigated_aht": "No known medical issues; no I or M marks.",
            "blx_gp_consent_requested": "No medical reason has been given for any absence.",
            "wal_external_party_communication": "No external agencies are involved.",
            "wal_medical_investigated": "No known medical issues; no I or M marks.",
        },
        declaration=Declaration(True, "Sam Patel", "DSL", dt.datetime(2026, 12, 11, 9, 30)),
    )


def bloxwich_incomplete(ready: Case) -> Case:
    # No letter after the Stage 2 meeting, and the AO's second letter only 6 school days on.
    events = tuple(replace(e, date=D(2026, 11, 27)) if e.id.startswith("a2") else e
                   for e in ready.events if not e.id.startswith("p3"))
    return replace(ready, reference="WAL-2026-0108", events=events)


# ---- Stockport with the staged-intervention academy ------------------------------------------

CFSW = Person("Lee Brown", "C&FSW")
HEAD_OF_ACADEMY = Person("Mrs Grace Okafor", "Head of Academy")
LEAD = Person("Dev Mistry", "Attendance Lead")

STOCKPORT_NA = {
    "stk_s3_tac_cp_consultation": "No TAC/TAF or child protection plan.",
    "stk_s3b_tac_cp_evidence": "No TAC/TAF or child protection plan.",
    "stk_s1_inform_social_worker": "The pupil has no social worker.",
    "stk_s1_medical_action_plan": "No medical reasons have been given for the absences.",
    "stk_s1_anxiety_support": "No anxiety about coming to school was seen or reported.",
    "stk_s1_tac_collaboration": "The family is not in a TAC/TAF process.",
    "stk_s2_tac_cp_alternative": "No TAC/TAF or child protection plan.",
}


def staged_ready() -> Case:
    both = ["c1", "c2"]
    referral = D(2026, 12, 4)
    absences = off((D(2026, 9, 14), D(2026, 9, 15)), (D(2026, 9, 28), D(2026, 10, 2)),
                   (D(2026, 11, 9), D(2026, 11, 13)), (D(2026, 11, 23), D(2026, 11, 25)))
    marks = register(D(2026, 9, 3), referral,
                     [(D(2026, 9, 3), D(2026, 9, 3)), HALF_TERM, (D(2026, 11, 2), D(2026, 11, 2))],
                     absences)

    def call(id: str, date: dt.date) -> Event:
        return ev(id, "phone_call", date, with_=["c1"], by=LEAD, direction="outgoing",
                  outcome="No answer; voicemail left asking the reason for the absence.")

    events = (
        call("k1", D(2026, 9, 14)), call("k2", D(2026, 9, 28)), call("k3", D(2026, 11, 9)),
        call("k4", D(2026, 11, 23)),
        ev("k0", "phone_call", D(2026, 9, 18), with_=["c1"], by=LEAD,
           outcome="Mother agreed to talk about attendance; meeting to be arranged."),
        ev("n1", "note", D(2026, 9, 22), by=Person("Ann Lee", "SENCo"),
           summary="SENCo checked: no SEND support plan or EHCP; no unidentified needs."),
        ev("n2", "note", D(2026, 9, 23), by=LEAD,
           summary="Talked with staff, mother and Sofiia about in-school difficulties and "
                   "worries; no medical needs known."),
        ev("n3", "note", D(2026, 9, 24), by=LEAD, summary="Catch-up sessions offered for "
           "work missed."),
        ev("o1", "support_offer", D(2026, 9, 24), support="early_help_assessment",
           outcome="refused", to=both, by=LEAD, summary="Early Help Assessment offered."),
        *letters("l2", D(2026, 9, 21), "continued_concern", ["continued_concern"], CFSW, both,
                 "Letter 2 from the C&FSW"),
        ev("c2", "review", D(2026, 10, 12), of="l2c1", improved=False, by=CFSW,
           summary="Attendance check 15 school days after Letter 2: no improvement."),
        *letters("l3", D(2026, 10, 12), "stockport_stage_2",
                 ["stage_2", "continued_concern", "meeting_invite"], CFSW, both,
                 "Letter 3 / Stage 2 letter inviting to the School Attendance Meeting",
                 meeting="m1", encloses=["attendance_certificate"],
                 evidence_for=["sif_letter_3_meeting", "stk_s2_letter"]),
        ev("m1", "meeting", D(2026, 10, 20), time="15:30", kind="attendance_meeting",
           attended=["c1"], status="held", plan_agreed=True, by=LEAD,
           summary="School Attendance Meeting: absences summarised; plan with targets agreed."),
        ev("o2", "support_offer", D(2026, 10, 20), support="early_help_assessment",
           outcome="refused", to=both, by=LEAD, summary="Early Help Assessment offered again."),
        ev("c3", "review", D(2026, 11, 10), of="l3c1", improved=False, by=CFSW,
           summary="Attendance check 15 school days after Letter 3: no improvement."),
        ev("m2", "meeting", D(2026, 11, 11), time="09:00", kind="attendance_panel",
           attended=both, status="held", by=HEAD_OF_ACADEMY,
           summary="Attendance Panel: parents' dates of birth and siblings' schools recorded; "
                   "Early Help Unit considered; 15-day review period set."),
        ev("x1", "referral", D(2026, 11, 11), service="Early Help Unit", internal=False,
           by=LEAD, summary="Referral to the Early Help Unit."),
        *letters("el", D(2026, 11, 12), "warning_legal_referral",
                 ["enforcement", "warning_legal_referral"], HEAD_OF_ACADEMY, both,
                 "Enforcement Letter 1 from the Head of Academy",
                 encloses=["attendance_certificate"]),
        ev("rv", "review", D(2026, 11, 25), of="m1", improved=False, by=LEAD,
           summary="End of the first plan review period: no improvement; consider "
                   "enforcement."),
        ev("r1", "review", D(2026, 11, 26), of="elc1", improved=False, by=LEAD,
           summary="Initial review two weeks after Enforcement Letter 1: not improved."),
        ev("r2", "review", D(2026, 12, 2), of="m2", improved=False, by=LEAD,
           summary="End of the panel's 15-day review period: not improved."),
    )
    return Case(
        reference="STK-2026-0311", authority="stockport", school_process="staged-academy",
        referral_date=referral,
        school=School("Heaton Moor Academy", "140987", "Stockport", "Mrs Grace Okafor",
                      "Heaton Moor Road, Stockport SK4 4JX"),
        pupil=Pupil("Sofiia", "Kovalenko", D(2015, 2, 11), "K820123456789", "Year 6",
                    "7 Didsbury Road, Stockport SK4 2AB", D(2020, 9, 1), Flags()),
        carers=(Carer("c1", "Олена Коваленко (Olena Kovalenko)", "mother", True, True,
                      "7 Didsbury Road, Stockport SK4 2AB", "", "07700 900789",
                      date_of_birth=D(1987, 4, 2)),
                Carer("c2", "Andrii Kovalenko", "father", True, False,
                      "22 Shaw Road, Stockport SK4 4AE", "", "07700 900790",
                      date_of_birth=D(1984, 12, 19))),
        siblings=(Sibling("Maksym Kovalenko", D(2012, 7, 30), "Priestnall School"),),
        marks=marks, events=events,
        not_applicable={
            **STOCKPORT_NA,
            "sif_n_code_letter": "No N codes are outstanding.",
            "sif_medical_pattern_letter": "No illness or medical absence this year.",
        },
        free_text={"why_parents_could_do_more": "Both parents agreed the plan on 20 October "
                   "but Sofiia was kept at home on days with no illness reported, and Early "
                   "Help was refused twice."},
        declaration=Declaration(True, "Dev Mistry", "Attendance Lead",
                                dt.datetime(2026, 12, 4, 11, 0)),
    )


def staged_incomplete(ready: Case) -> Case:
    # The initial review was never recorded, and the father got no Stage 2 letter.
    events = tuple(e for e in ready.events if e.id not in ("r1", "l3c2"))
    events = tuple(replace(e, of="l3c1") if e.id == "c3" else e for e in events)
    return replace(ready, reference="STK-2026-0312", events=events)


# ---- East Sussex ------------------------------------------------------------------------------

HOS = Person("Ann Cole", "Head of School")
DEPUTY = Person("Tom Hill", "Deputy Head")
OFFICE = Person("Kate Moss", "School Secretary")
ESX_DSL = Person("Priya Nair", "DSL")


def esx_ready() -> Case:
    both = ["c1", "c2"]
    referral = D(2026, 11, 20)
    absences = off(D(2026, 9, 21), (D(2026, 10, 5), D(2026, 10, 9)))
    marks = register(D(2026, 9, 3), referral,
                     [(D(2026, 9, 3), D(2026, 9, 3)), HALF_TERM, (D(2026, 11, 2), D(2026, 11, 2))],
                     absences)
    events = (
        ev("k1", "phone_call", D(2026, 9, 21), with_=["c1"], by=OFFICE,
           outcome="No answer; message left at 9.20am."),
        ev("k2", "phone_call", D(2026, 10, 5), with_=["c1"], by=OFFICE,
           outcome="Mother said Nikos would not come in this week."),
        *letters("l1", D(2026, 9, 22), "east_sussex_letter_1",
                 ["stage_2", "attendance_concern", "warning"], HOS, both, "Letter 1"),
        ev("n1", "note", D(2026, 9, 23), by=ESX_DSL,
           summary="APDR form completed; pupil voice recorded with Nikos."),
        ev("m1", "meeting", D(2026, 10, 6), time="15:30", kind="attendance_meeting",
           attended=["c1"], status="held", by=DEPUTY,
           summary="Meeting with the class teacher and the Deputy Head of School."),
        *letters("l2", D(2026, 10, 7), "east_sussex_letter_2", ["post_meeting", "stage_2"],
                 DEPUTY, both, "Letter 2: agreed actions and targets", meeting="m1"),
        ev("p1", "support_offer", D(2026, 10, 12), support="attendance_plan",
           outcome="accepted", to=both, by=ESX_DSL, summary="Attendance support plan."),
        ev("pn", "penalty_notice", D(2026, 10, 12), to=["c1"], status="issued",
           by=HOS, summary="Penalty notice requested: 12 unauthorised sessions."),
        ev("m2", "meeting", D(2026, 10, 15), time="15:30", kind="attendance_meeting",
           attended=both, status="held", by=HOS, summary="Meeting with the Head of School."),
        *letters("l3", D(2026, 10, 16), "east_sussex_letter_3",
                 ["post_meeting", "stage_3", "warning"], HOS, both,
                 "Letter 3: second warning with a target for improvement of 95%",
                 meeting="m2"),
        ev("c", "support_offer", D(2026, 11, 3), support="attendance_contract",
           outcome="accepted", to=both, by=ESX_DSL, summary="Attendance Parent Contract."),
        ev("r1", "review", D(2026, 11, 10), of="p1", improved=False, by=ESX_DSL,
           summary="Support plan reviewed: no improvement."),
        ev("r2", "review", D(2026, 11, 19), of="c", improved=False, by=ESX_DSL,
           summary="Attendance Parent Contract reviewed: attendance has failed to improve."),
        ev("s1", "agency_contact", D(2026, 11, 19), agency="education_welfare", by=ESX_DSL,
           summary="Consulted the AST SPOC about a legal intervention."),
        ev("s2", "agency_contact", D(2026, 11, 20), agency="education_welfare",
           direction="incoming", by=ESX_DSL,
           summary="Legal Interventions Referral form from the SPOC, completed the same day."),
    )
    return Case(
        reference="ESX-2026-0019", authority="east-sussex", referral_date=referral,
        school=School("Plumpton Primary School", "114512", "East Sussex", "Ann Cole",
                      "Station Road, Plumpton, Lewes BN7 3BU"),
        pupil=Pupil("Nikos", "Papadopoulos", D(2017, 3, 9), "E114512000019", "Year 4",
                    "3 Mill Lane, Plumpton BN7 3AF", D(2021, 9, 1), Flags()),
        carers=(Carer("c1", "Σοφία Παπαδοπούλου (Sofia Papadopoulou)", "mother", True, True,
                      "3 Mill Lane, Plumpton BN7 3AF", "", "07700 900311"),
                Carer("c2", "Giorgos Papadopoulos", "father", True, False,
                      "18 High Street, Lewes BN7 2LN", "", "07700 900312")),
        marks=marks, events=events,
        not_applicable={"esx_punctuality_warning": "No late arrivals after the register closed."},
        declaration=Declaration(True, "Priya Nair", "DSL", dt.datetime(2026, 11, 20, 14, 0)),
    )


ESX_PAPERS = {"s2": ("referral_form", "Legal Interventions Referral form (completed)",
                     ["Pupil: Nikos Papadopoulos, Year 4, Plumpton Primary School",
                      "Attendance this school year: 88.0%",
                      "Completed by Priya Nair (DSL) on 20 November 2026"]),
              "m1": ("meeting_notes", "Notes of the meeting of 6 October 2026",
                     ["Present: Σοφία Παπαδοπούλου, Tom Hill (Deputy Head), class teacher",
                      "Actions: drop-off by 8.40am; daily check-in"])}


def esx_incomplete(ready: Case) -> Case:
    # The penalty notice was requested before the threshold was reached (A30), and the
    # completed referral form was not attached (A25).
    events = tuple(replace(e, date=D(2026, 10, 7)) if e.id == "pn" else e
                   for e in ready.events)
    documents = tuple(d for d in ready.documents if d.kind != "referral_form")
    events = tuple(replace(e, documents=tuple(x for x in e.documents
                                              if any(d.id == x for d in documents)))
                   for e in events)
    return replace(ready, reference="ESX-2026-0020", events=events, documents=documents)


# ---- Stockport --------------------------------------------------------------------------------

def stockport_ready() -> Case:
    referral = D(2026, 11, 20)
    marks = register(D(2026, 9, 3), referral, [HALF_TERM],
                     off((D(2026, 11, 9), D(2026, 11, 13))))
    events = (
        ev("k0", "phone_call", D(2026, 9, 21), with_=["c1"], by=LEAD,
           outcome="Mother agreed to come in to talk about attendance."),
        ev("n1", "note", D(2026, 9, 22), by=Person("Ann Lee", "SENCo"),
           summary="SENCo checked: no SEND support plan or EHCP; no unidentified needs."),
        ev("n2", "note", D(2026, 9, 23), by=LEAD,
           summary="Talked with staff, mother and Kacper about in-school difficulties: "
                   "friendship worries at lunchtime; no medical needs known."),
        ev("n3", "note", D(2026, 9, 24), by=LEAD, summary="Catch-up sessions offered for "
           "work missed."),
        *letters("s", D(2026, 9, 30), "stockport_stage_2",
                 ["stage_2", "continued_concern", "meeting_invite"], LEAD, ["c1", "c2"],
                 "Stage 2 letter inviting to the School Attendance Meeting", meeting="m1",
                 encloses=["attendance_certificate"]),
        ev("m1", "meeting", D(2026, 10, 8), time="15:30", kind="attendance_meeting",
           attended=["c1"], status="held", plan_agreed=True, by=LEAD,
           summary="School Attendance Meeting: plan with actions and targets agreed."),
        ev("o1", "support_offer", D(2026, 10, 8), support="early_help_assessment",
           outcome="refused", to=["c1", "c2"], by=LEAD, summary="Early Help Assessment."),
        ev("k1", "phone_call", D(2026, 11, 9), with_=["c1"], by=LEAD,
           outcome="No answer; message left."),
        ev("r1", "review", D(2026, 11, 16), of="m1", improved=False, by=LEAD,
           summary="End of the first review period: no improvement; consider enforcement."),
        ev("o2", "support_offer", D(2026, 11, 16), support="early_help_assessment",
           outcome="refused", to=["c1", "c2"], by=LEAD,
           summary="Early Help Assessment offered again."),
    )
    return Case(
        reference="STK-2026-0007", authority="stockport", referral_date=referral,
        school=School("Reddish Vale Primary", "106100", "Stockport", "Mr Ben Ward",
                      "Reddish Vale Road, Stockport SK5 7HD"),
        pupil=Pupil("Kacper", "Wiśniewski", D(2016, 10, 14), "S106100000007", "Year 5",
                    "41 Gorton Road, Stockport SK5 6AA", D(2021, 9, 1), Flags()),
        carers=(Carer("c1", "Agnieszka Wiśniewska", "mother", True, True,
                      "41 Gorton Road, Stockport SK5 6AA", "", "07700 900501"),
                Carer("c2", "Paweł Wiśniewski", "father", True, False,
                      "9 Lambeth Road, Stockport SK5 6TR", "", "07700 900502")),
        marks=marks, events=events, not_applicable=dict(STOCKPORT_NA),
        free_text={"why_parents_could_do_more": "Mother agreed the plan on 8 October but "
                   "kept Kacper at home for a week in November with no illness reported."},
        declaration=Declaration(True, "Dev Mistry", "Attendance Lead",
                                dt.datetime(2026, 11, 20, 9, 0)),
    )


def stockport_incomplete(ready: Case) -> Case:
    # Early Help was not offered again, and no call was made on the first day of absence.
    events = tuple(e for e in ready.events if e.id not in ("o2", "k1"))
    return replace(ready, reference="STK-2026-0008", events=events)


def examples() -> list[tuple[str, Case, dict[str, bytes]]]:
    """Every (folder, case, evidence files) this module writes."""
    out = []
    for name, ready, incomplete, papers in (
            ("bloxwich-academy", bloxwich_ready(), bloxwich_incomplete, None),
            ("staged-academy", staged_ready(), staged_incomplete, None),
            ("east-sussex", esx_ready(), esx_incomplete, ESX_PAPERS),
            ("stockport", stockport_ready(), stockport_incomplete, None)):
        case, files = with_evidence(ready, papers)
        out.append((f"{name}-ready", case, files))
        worse = incomplete(case)
        kept = {d.file for d in worse.documents}
        out.append((f"{name}-incomplete", worse, {k: v for k, v in files.items() if k in kept}))
    return out
