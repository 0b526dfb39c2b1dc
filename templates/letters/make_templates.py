"""Write the built-in letter templates (`<id>.docx`) from the texts below.

Run after changing a letter:  .venv/bin/python templates/letters/make_templates.py

Each template is a plain Word document with docxtpl (Jinja) merge fields such as
``{{ carer.name }}``; README.md lists the fields. The .docx files are committed so that a
school can open one in Word, edit it and save it in its own override folder. Keep every
``{{ ... }}`` inside one line below: python-docx then writes it as a single run, which docxtpl
needs. ``**text**`` is bold. A line that is only ``{%p ... %}`` is a paragraph-level tag.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
FIXED = dt.datetime(2026, 1, 1)  # dates inside the files, so that a re-run changes nothing

RE_LINE = ("**Re: {{ pupil.full_name }}, date of birth {{ pupil.dob }}"
           "{% if pupil.year_group %}, {{ pupil.year_group }}{% endif %}**")

LETTERS: dict[str, dict[str, object]] = {}


def letter(id: str, title: str, subject: str, body: list[str], *,
           enclosures: str = "") -> None:
    LETTERS[id] = {"title": title, "subject": subject, "body": body, "enclosures": enclosures}


# ---- the letters ---------------------------------------------------------------------------

letter("attendance_concern", "Attendance concern", "Concern about attendance and punctuality", [
    "We are writing because we are concerned about {{ pupil.first_name }}'s attendance at "
    "school. Our records show that {{ pupil.first_name }}'s attendance this school year, up to "
    "{{ attendance.to }}, is **{{ attendance.pct }}**. {{ pupil.first_name }} has missed "
    "{{ attendance.absent_sessions }} sessions (half days), and {{ attendance.unauthorised }} of "
    "them are unauthorised.",
    "{%p if attendance.late %}",
    "{{ pupil.first_name }} has also arrived late {{ attendance.late }} "
    "time{% if attendance.late != 1 %}s{% endif %}. Arriving late "
    "means missing the start of lessons and the important information given at the beginning "
    "of the day.",
    "{%p endif %}",
    "We understand that there are many reasons why attendance can fall, and our aim is to "
    "support you and work with you to improve {{ pupil.first_name }}'s attendance."
    "{% if extra.target_pct %} Our school's attendance target is {{ extra.target_pct }}."
    "{% endif %} A child who misses 10% or more of school is classed as persistently absent, "
    "and missing school means falling behind in lessons.",
    "If anything is making it difficult for {{ pupil.first_name }} to come to school every day "
    "and on time, please contact us. We can offer support, including a meeting with our "
    "attendance officer, help in school, and a referral to Early Help.",
    "{%p if extra.support %}",
    "{{ extra.support }}",
    "{%p endif %}",
    "We will continue to monitor {{ pupil.first_name }}'s attendance. If it does not improve, we "
    "will invite you to a meeting to discuss how we can help.",
])

letter("meeting_invite", "Invitation to an attendance meeting",
       "Invitation to a meeting about attendance", [
    "{{ pupil.first_name }}'s attendance this school year is {{ attendance.pct }}, up to "
    "{{ attendance.to }}. We would like to meet you to talk about {{ pupil.first_name }}'s "
    "attendance and how we can support you and {{ pupil.first_name }} to improve it.",
    "**The meeting is on {{ meeting.when }}, at {{ meeting.venue }}.**",
    "{%p if meeting.with %}",
    "You will meet {{ meeting.with }}.",
    "{%p endif %}",
    "It is important that you come to this meeting. If you cannot come at this time, please "
    "contact the school as soon as possible so that we can arrange another time. You are "
    "welcome to bring someone with you for support.",
])

letter("did_not_attend", "Did not attend, with a new meeting",
       "Missed meeting about attendance: new meeting", [
    "You were invited to a meeting on {{ meeting.when }} to discuss {{ pupil.first_name }}'s "
    "attendance, but you did not attend.",
    "{{ pupil.first_name }}'s attendance remains a concern: it is **{{ attendance.pct }}** this "
    "school year, up to {{ attendance.to }}.",
    "We have arranged a new meeting. **The new meeting is on {{ new_meeting.when }}, at "
    "{{ new_meeting.venue }}.**",
    "It is important that you come to this meeting. If you cannot come at this time, please "
    "contact the school before the meeting so that we can arrange another time. If you do not "
    "attend, we will have to consider the next steps without your views.",
])

letter("post_meeting", "After the meeting: current attendance",
       "Attendance meeting on {{ meeting.date }}", [
    "{%p if meeting.carer_attended %}",
    "Thank you for attending the meeting on {{ meeting.date }} to discuss "
    "{{ pupil.first_name }}'s attendance.",
    "{%p else %}",
    "You were invited to a meeting on {{ meeting.date }} to discuss {{ pupil.first_name }}'s "
    "attendance{% if meeting.held %}. The meeting went ahead, but you did not attend"
    "{% else %}, but you did not attend{% endif %}.",
    "{%p endif %}",
    "I am writing to let you know that {{ pupil.first_name }}'s attendance remains an ongoing "
    "concern. **{{ pupil.first_name }}'s current attendance is {{ attendance.pct }}** (this "
    "school year, up to {{ attendance.to }}), with {{ attendance.unauthorised }} sessions of "
    "unauthorised absence.",
    "{%p if meeting.plan_agreed %}",
    "At the meeting we agreed a plan to improve {{ pupil.first_name }}'s attendance. We will "
    "review it with you.",
    "{%p endif %}",
    "{%p if extra.actions %}",
    "We agreed the following: {{ extra.actions }}",
    "{%p endif %}",
    "We will continue to monitor {{ pupil.first_name }}'s attendance closely. If it does not "
    "improve, the school may refer {{ pupil.first_name }}'s attendance to the local authority, "
    "which can lead to legal action.",
])

letter("continued_concern", "Continued concern and support",
       "Continued concern about attendance and punctuality", [
    "We are writing again because we remain concerned about {{ pupil.first_name }}'s "
    "attendance and punctuality. Attendance this school year is **{{ attendance.pct }}**, up to "
    "{{ attendance.to }}, with {{ attendance.unauthorised }} sessions of unauthorised absence"
    "{% if attendance.late %} and {{ attendance.late }} late arrival"
    "{% if attendance.late != 1 %}s{% endif %}{% endif %}.",
    "**Support in place, offered or agreed**",
    "{%p for item in support %}",
    "- {{ item }}",
    "{%p endfor %}",
    "{%p if extra.support %}",
    "- {{ extra.support }}",
    "{%p endif %}",
    "{%p if not support and not extra.support %}",
    "We would like to offer you support to help {{ pupil.first_name }} attend school, "
    "including help in school and a referral to Early Help. Please contact us to discuss it.",
    "{%p endif %}",
    "Please contact us if there is anything else that would help. If "
    "{{ pupil.first_name }}'s attendance does not improve, the school may refer it to the "
    "local authority, which can lead to legal action.",
])

letter("warning_legal_referral", "Warning of referral to the local authority",
       "Warning: referral to the local authority for legal intervention", [
    "Despite the letters, meetings and support offered, {{ pupil.first_name }}'s attendance "
    "has not improved. {{ pupil.first_name }} is persistently absent: attendance this school "
    "year is **{{ attendance.pct }}**, up to {{ attendance.to }}, with "
    "{{ attendance.unauthorised }} sessions of unauthorised absence.",
    "Parents have a legal duty to make sure that their child of compulsory school age receives "
    "a suitable full-time education (section 7 of the Education Act 1996). If a child who is "
    "registered at a school does not attend regularly, the parent may be committing an offence "
    "(section 444 of the Education Act 1996).",
    "I am writing to tell you that the school is referring {{ pupil.first_name }}'s attendance "
    "to {{ school.local_authority_name }} for legal intervention, because of persistent absence. "
    "The local authority may issue a Notice to Improve or a penalty notice, apply for an "
    "Education Supervision Order, or prosecute.",
    "The attendance certificate enclosed shows {{ pupil.first_name }}'s attendance. This letter "
    "is sent to each parent and carer of {{ pupil.first_name }} separately.",
    "If there is a reason for {{ pupil.first_name }}'s absence that we do not know about, "
    "please contact the school{% if extra.respond_by %} by {{ extra.respond_by }}{% endif %}.",
], enclosures="Attendance certificate")

letter("stockport_stage_2", "Stockport Stage 2 letter", "Re: {{ pupil.full_name }}", [
    "I am writing to you regarding our continued concerns about {{ pupil.first_name }}'s "
    "attendance in school.",
    "Please find enclosed an up-to-date copy of the registration certificate. You will see "
    "that {{ pupil.first_name }}'s attendance remains concerning and now stands at "
    "**{{ attendance.pct }}** and they have missed {{ attendance.days_missed }} days of school "
    "this academic year with {{ attendance.broken_weeks }} broken weeks.",
    "{%p if option == 'previous_meeting' %}",
    "During the previous meeting we discussed a number of strategies to support "
    "{{ pupil.first_name }} attend school more regularly.",
    "{%p else %}",
    "Over the last **6 weeks** we have made a number of unsuccessful attempts to engage with "
    "you to develop a plan of support to help improve {{ pupil.first_name }}'s attendance.",
    "{%p endif %}",
    "Please be aware that where pupils have a substantial amount of absence from school, "
    "schools are expected to investigate the reasons for the absences and where appropriate "
    "request medical evidence before agreeing to authorise further absences.",
    "I am now writing to advise you that in view of {{ pupil.first_name }}'s continued poor "
    "attendance, the school is no longer willing to authorise any future absences unless "
    "supported by medical evidence (for example, a doctor's note) and it will not be "
    "sufficient merely to report the absence by telephone or letter. Absences not supported by "
    "such evidence are likely to remain unauthorised.",
    "{%p if extra.process %}",
    "Concerns about {{ pupil.first_name }}'s attendance will continue to be addressed as part "
    "of the {{ extra.process }}.",
    "{%p else %}",
    "I have also arranged a further School Attendance Meeting to discuss the reasons for "
    "{{ pupil.first_name }}'s attendance concerns. During this meeting we will discuss how we "
    "can support you so that {{ pupil.first_name }} regularly attends school. The meeting has "
    "been arranged for **{{ meeting.when }}** at {{ meeting.venue }} and it is important that "
    "you{% if extra.invite_pupil %} and {{ pupil.first_name }}{% endif %} attend. If you are "
    "not able to attend at that time, please contact me as soon as possible so that we can "
    "rearrange the meeting for a mutually convenient time.",
    "{%p endif %}",
    "I must remind you that as you have decided to have {{ pupil.first_name }} registered at "
    "{{ school.name }}, you have an additional legal duty to ensure {{ pupil.first_name }} "
    "attends regularly. This means they must attend every day that the school is open, except "
    "in a small number of allowable circumstances such as being too ill to attend or being "
    "given permission for an absence in advance from the school.",
    "I must also remind you that ensuring regular school attendance is a legal responsibility "
    "and that failure to do so may result in your case being referred to the Stockport Council "
    "for further action, which can include Education Penalty Notice fines or prosecution.",
], enclosures="Registration (attendance) certificate")

letter("east_sussex_letter_1", "East Sussex Letter 1 (Stage 2 warning)",
       "Attendance needs to improve", [
    "We are writing because {{ pupil.first_name }}'s attendance has fallen below our target. "
    "{{ pupil.first_name }}'s overall attendance this academic year, as of {{ attendance.to }}, "
    "is **{{ attendance.pct }}**. Our school's attendance target, in line with the local "
    "authority and Department for Education expectations, is {{ target_pct }}.",
    "Absence for whatever reason disadvantages a child by creating gaps in their learning. "
    "Good progress can only take place when children are in the classroom regularly and on "
    "time.",
    "This letter is a warning that {{ pupil.first_name }}'s attendance needs to improve. We "
    "will monitor it closely. If it does not improve within two weeks, you will be asked to "
    "attend a meeting with {{ pupil.first_name }}'s class teacher and/or the Deputy Head of "
    "School.",
    "Please let us know if we can support you in any way to improve "
    "{{ pupil.first_name }}'s attendance.",
])

letter("east_sussex_letter_2", "East Sussex Letter 2 (agreed actions and targets)",
       "Attendance meeting on {{ meeting.date }}: agreed actions and targets", [
    "Following the meeting on {{ meeting.date }} about {{ pupil.first_name }}'s attendance, "
    "which is **{{ attendance.pct }}** this academic year, up to "
    "{{ attendance.to }}, I am writing to confirm the actions and targets agreed. Our "
    "school's attendance target is {{ target_pct }}.",
    "**Actions we agreed**",
    "{{ extra.actions }}",
    "**Targets**",
    "{{ extra.targets }}",
    "{%p if extra.review_date %}",
    "We will review {{ pupil.first_name }}'s attendance with you on {{ extra.review_date }}.",
    "{%p else %}",
    "We will review {{ pupil.first_name }}'s attendance with you in two weeks.",
    "{%p endif %}",
    "If {{ pupil.first_name }}'s attendance does not improve, you will be asked to attend a "
    "meeting with the Head of School and {{ pupil.first_name }}'s attendance will be escalated "
    "to Stage 3.",
])

letter("east_sussex_letter_3", "East Sussex Letter 3 (second warning with target)",
       "Second warning: attendance target", [
    "Following the meeting with the Head of School on {{ meeting.date }} about "
    "{{ pupil.first_name }}'s attendance, I am writing to confirm what was agreed. "
    "{{ pupil.first_name }}'s attendance this academic "
    "year is **{{ attendance.pct }}**, up to {{ attendance.to }}, and "
    "{{ pupil.first_name }} is now classed as a persistent absentee.",
    "**Actions we agreed**",
    "{{ extra.actions }}",
    "**Target:** {{ pupil.first_name }}'s attendance must improve to at least "
    "{{ extra.target_pct }}.",
    "This letter is a second warning. If {{ pupil.first_name }} now misses 10 sessions "
    "(5 days) of school without authorisation within 10 school weeks, you may be issued with "
    "a penalty notice (a fine). The Head of School may also refer you to the East Sussex "
    "Attendance Lead.",
    "Please contact us if we can support you in any way.",
])

letter("unexplained_absence", "Unexplained absence (N code)", "Absence without a reason", [
    "Our records show that {{ pupil.first_name }} was absent from school at the times below, "
    "and we have not received a reason for the absence:",
    "{%p for session in unexplained %}",
    "- {{ session }}",
    "{%p endfor %}",
    "Please contact the school by **{{ respond_by }}** to tell us the reason. If we do not "
    "receive a satisfactory reason, the absence will be recorded as unauthorised.",
    "Unauthorised absence counts towards the national threshold for a penalty notice: 10 "
    "sessions of unauthorised absence within 10 school weeks.",
])


# ---- writing the .docx files ---------------------------------------------------------------


def add_text(paragraph, text: str) -> None:
    """Add `text` as runs, with **bold** parts; each placeholder stays within one run."""
    for n, part in enumerate(text.split("**")):
        if part:
            paragraph.add_run(part).bold = bool(n % 2)


def tight(paragraph, after: float = 0) -> None:
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.space_before = Pt(0)


def setup(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(8)
    normal.paragraph_format.space_before = Pt(0)
    for name in ("List Bullet",):
        document.styles[name].font.name = "Arial"
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2)
    section.header_distance = section.footer_distance = Cm(1.2)

    head = section.header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = head.add_run("{{ school.name }}")
    run.bold = True
    run.font.size = Pt(14)
    tight(head)
    address = section.header.add_paragraph()
    address.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    address.add_run("{{ school.address_block }}").font.size = Pt(9)
    tight(address, 12)

    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = foot.add_run("{{ school.name }}{% if school.head_teacher %} · Head teacher: "
                       "{{ school.head_teacher }}{% endif %}")
    run.font.size = Pt(8)


def build(id: str, spec: dict[str, object]) -> docx.document.Document:
    document = docx.Document()
    setup(document)
    document.core_properties.title = str(spec["title"])
    document.core_properties.author = "referral-builder"
    document.core_properties.comments = f"referral-builder letter template {id}"
    document.core_properties.created = document.core_properties.modified = FIXED
    document.core_properties.revision = 1

    for text in ("{{ carer.name }}", "{{ carer.address_block }}"):
        tight(document.add_paragraph(text))
    tight(document.add_paragraph(), 12)
    tight(document.add_paragraph("{{ letter_date }}"), 12)
    document.add_paragraph("Dear {{ carer.name }},")
    add_text(document.add_paragraph(), RE_LINE)
    subject = str(spec["subject"])
    if not subject.startswith("Re:"):
        add_text(document.add_paragraph(), f"**{subject}**")

    paragraph = None
    for line in spec["body"]:  # type: ignore[attr-defined]
        if line.startswith("- "):
            paragraph = document.add_paragraph(style="List Bullet")
        else:
            paragraph = document.add_paragraph()
        add_text(paragraph, line)
    if paragraph is not None:  # never leave the sign-off alone on the last page
        paragraph.paragraph_format.keep_with_next = True

    # Keep the sign-off, the space for a signature and the name together on one page.
    closing = [document.add_paragraph("Yours sincerely,"), document.add_paragraph(),
               document.add_paragraph("{{ signatory.name }}")]
    tight(closing[1], 24)
    tight(closing[2])
    for paragraph in closing:
        paragraph.paragraph_format.keep_with_next = True
    tight(document.add_paragraph("{{ signatory.role }}"), 12)
    if spec["enclosures"]:
        add_text(document.add_paragraph(), f"**Enc:** {spec['enclosures']}")
    return document


def reproducible(data: bytes) -> bytes:
    """Rewrite the zip with fixed entry times, so the same text gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info))
    return out.getvalue()


def main(out: Path = HERE) -> list[Path]:
    written = []
    for id, spec in LETTERS.items():
        path = out / f"{id}.docx"
        buffer = io.BytesIO()
        build(id, spec).save(buffer)
        path.write_bytes(reproducible(buffer.getvalue()))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
