"""Write the example case files in this folder (run: python examples/make_examples.py).

Each example is a folder with `case.json` (referral-case/1), its register as a CSV export
(`register.csv`, one row per day, UK dates as an MIS writes them) and, for the bundle, small
evidence documents. The cases are for a fictional pupil, Zoë Smith, Year 5, whose attendance
fell to about 85 % in the autumn term of 2026; the referral is dated Fri 20 Nov 2026.

- `walsall-ready/`: every Walsall item met or not applicable: `check` exits 0.
- `walsall-incomplete/`: the same case with the meeting invited at 5 days' notice and no
  warning letter to the father: `check` exits 1 and says why.
- `malformed/`: a case file with a dangling meeting reference: `check` exits 2.
- `<process>-ready/` and `<process>-incomplete/` for Bloxwich Academy (with Walsall), the
  staged-intervention academy (with Stockport), East Sussex and Stockport: see
  `process_examples.py`; their letters are drafted by the tool from its model letters.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import replace
from pathlib import Path

from referral_builder.schemas.case import dump_case

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
)

HERE = Path(__file__).parent
D = dt.date
DSL = Person("Sam Patel", "DSL")
OFFICER = Person("Kerry Jones", "Attendance Officer")
#: The MIS export runs from the start of the summer term, so that the 12 school weeks before
#: the referral can be counted from the register across the summer holiday.
HOLIDAYS = [(D(2026, 5, 25), D(2026, 5, 29)), (D(2026, 7, 20), D(2026, 9, 2)),
            (D(2026, 10, 26), D(2026, 10, 30))]
TERM = (D(2026, 6, 1), D(2026, 11, 20))

#: Zoë's absences: unauthorised (O), mostly on Mondays and Fridays.
ABSENT_O = [D(2026, 9, 7), D(2026, 9, 18), D(2026, 9, 21), D(2026, 10, 2), D(2026, 10, 5),
            D(2026, 10, 16), D(2026, 11, 2), D(2026, 11, 13)]
LATE_AFTER_CLOSE = [D(2026, 10, 7), D(2026, 11, 10)]  # U: late after the register closed


def marks() -> list[Mark]:
    out = []
    d = TERM[0]
    while d <= TERM[1]:
        if d.weekday() < 5 and not any(a <= d <= b for a, b in HOLIDAYS):
            am, pm = "/", "\\"
            if d in ABSENT_O:
                am = pm = "O"
            elif d in LATE_AFTER_CLOSE:
                am = "U"
            out += [Mark(d, "AM", am), Mark(d, "PM", pm)]
        d += dt.timedelta(days=1)
    return out


def register_csv(ms: list[Mark]) -> str:
    days: dict[dt.date, dict[str, str]] = {}
    for m in ms:
        days.setdefault(m.date, {})[m.session] = m.code
    rows = ["Date,AM,PM"] + [f"{d:%d/%m/%Y},{s['AM']},{s['PM']}" for d, s in days.items()]
    return "\n".join(rows) + "\n"


def letters(id: str, date: dt.date, purposes: list[str], summary: str, *,
            to: tuple[str, ...] = ("c1", "c2"), **fields) -> tuple[Event, ...]:
    """One letter per parent: Jane and Łukasz live apart, so each gets their own copy."""
    return tuple(Event(id=f"{id}{c}", type="letter", date=date, by=DSL, to=(c,),
                       summary=summary, purposes=tuple(purposes), documents=(f"d_{id}{c}",),
                       **fields) for c in to)


def walsall_ready() -> Case:
    events = (
        *letters("e01", D(2026, 9, 22), ["attendance_concern", "punctuality", "support"],
                 "Attendance concern letter: 4 unauthorised sessions and lateness since 3 Sep; "
                 "offers support from the pastoral team."),
        Event(id="e02", type="phone_call", date=D(2026, 9, 24), by=OFFICER, with_=("c1",),
              summary="Called mother about the letter.", outcome="Mother said Zoë is anxious "
              "about PE; agreed to come to a meeting."),
        *letters("e03", D(2026, 9, 28), ["meeting_invite"],
                 "Invitation to an attendance meeting on Thu 8 Oct 2026 at 09:30.",
                 meeting="m1"),
        Event(id="m1", type="meeting", date=D(2026, 10, 8), time="09:30", by=DSL,
              kind="attendance_meeting", attended=("c1",), status="held", plan_agreed=True,
              summary="Attendance meeting with mother; father did not attend. Plan agreed: "
                      "key adult at the gate, PE kit kept at school."),
        *letters("e04", D(2026, 10, 12), ["post_meeting"],
                 "Letter after the meeting: attendance remains a concern; currently 80.4 %.",
                 meeting="m1", states_attendance_pct=80.4),
        Event(id="e05", type="support_offer", date=D(2026, 10, 13), by=DSL,
              support="early_help_assessment", outcome="refused", to=("c1", "c2"),
              summary="Early Help assessment offered to both parents; declined."),
        Event(id="e06", type="referral", date=D(2026, 10, 14), by=DSL, service="key adult "
              "mentoring", internal=True, summary="Referral to the school's learning mentor "
              "for daily check-ins."),
        *letters("e07", D(2026, 11, 3), ["continued_concern", "support"],
                 "Continued concern letter: sets out the support in place (key adult, mentor) "
                 "and the Early Help offer."),
        Event(id="e08", type="text", date=D(2026, 11, 6), by=OFFICER, to=("c1",),
              direction="incoming", summary="Mother texted that Zoë had a headache."),
        *letters("e09", D(2026, 11, 16), ["warning_legal_referral"],
                 "Warning of referral to the local authority for persistent absence; "
                 "attendance certificate enclosed.", encloses=("attendance_certificate",)),
    )
    names = {"c1": "Jane Smith", "c2": "Łukasz Nowak"}
    documents = tuple(Document(f"d_{e.id}", f"evidence/{e.id}-{e.purposes[0]}.pdf",
                               f"{e.purposes[0].replace('_', ' ').capitalize()} letter to "
                               f"{names[e.to[0]]}, {e.date:%d %b %Y}")
                      for e in events if e.type == "letter" and e.date)
    return Case(
        reference="WAL-2026-0042",
        authority="walsall",
        referral_date=D(2026, 11, 20),
        school=School("Bloxwich Academy Primary", "123456", "Walsall", "Mrs Amanda Head",
                      "Leamore Lane, Bloxwich, Walsall WS3 2BB"),
        pupil=Pupil("Zoë", "Smith", D(2016, 5, 3), "A123456789012", "Year 5",
                    "12 Elm Road, Walsall WS3 1AA", D(2021, 9, 1), Flags()),
        carers=(
            Carer("c1", "Jane Smith", "mother", True, True, "12 Elm Road, Walsall WS3 1AA",
                  "jane.smith@example.org", "07700 900123"),
            Carer("c2", "Łukasz Nowak", "father", True, False,
                  "4 Mill Lane, Bloxwich, Walsall WS3 2BB", "", "07700 900456"),
        ),
        marks=tuple(marks()),
        events=events,
        documents=documents,
        not_applicable={
            "wal_external_party_communication": "No social worker, Early Help, CAMHS or "
            "TAC/TAF involvement: the family declined Early Help on 13 Oct 2026.",
            "wal_medical_investigated": "No known medical issues, and no illness (I) or "
            "medical appointment (M) marks this school year.",
        },
        declaration=Declaration(True, "Sam Patel", "DSL", dt.datetime(2026, 11, 20, 10, 15)),
    )


def walsall_incomplete() -> Case:
    ready = walsall_ready()
    events = tuple(
        replace(e, date=D(2026, 10, 3)) if e.id.startswith("e03") else e  # 5 days' notice
        for e in ready.events if e.id != "e09c2")                  # no warning to the father
    documents = tuple(d for d in ready.documents if d.id != "d_e09c2")
    return replace(ready, reference="WAL-2026-0043", events=events, documents=documents)


def write(folder: str, case: Case, *, register_as_csv: bool = True,
          files: dict[str, bytes] | None = None) -> None:
    """Write a case folder; `files` are its evidence (default: a stand-in PDF per document)."""
    out = HERE / folder
    shutil.rmtree(out, ignore_errors=True)
    (out / "evidence").mkdir(parents=True)
    data = dump_case(case)
    if register_as_csv:
        (out / "register.csv").write_text(register_csv(list(case.marks)), encoding="utf-8")
        data["register"] = {"csv": "register.csv"}
    (out / "case.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    for doc in case.documents:
        body = files.get(doc.file) if files is not None else None
        (out / doc.file).write_bytes(body if body is not None else evidence_pdf(doc.title))


def evidence_pdf(title: str) -> bytes:
    """A one-page PDF standing in for a scanned letter (drawn with ReportLab)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from referral_builder.documents.docx_pdf import body_font

    font = body_font()  # DejaVu Sans: "Łukasz" prints as Łukasz, not "?ukasz"
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    c.setTitle(title)
    c.setFont(font, 14)
    c.drawString(72, 770, "Bloxwich Academy Primary")
    c.setFont(font, 11)
    c.drawString(72, 740, title)
    c.drawString(72, 720, "Copy of the letter as sent (example evidence).")
    c.showPage()
    c.save()
    return buf.getvalue()


def main() -> None:
    import sys

    sys.path.insert(0, str(HERE))
    from process_examples import examples

    write("walsall-ready", walsall_ready())
    write("walsall-incomplete", walsall_incomplete())
    for folder, case, files in examples():
        write(folder, case, files=files)
    bad = dump_case(walsall_ready())
    bad["events"][3]["meeting"] = "m9"
    bad["register"] = {"marks": bad["register"]["marks"][:20]}
    out = HERE / "malformed"
    out.mkdir(exist_ok=True)
    (out / "case.json").write_text(json.dumps(bad, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


if __name__ == "__main__":
    main()
