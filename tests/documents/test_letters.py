"""Letters drafted from the templates carry the right carer, pupil, dates and attendance."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from referral_builder.documents import letters
from referral_builder.documents.docx_pdf import docx_to_pdf
from referral_builder.documents.letters import (
    ContactRestricted,
    LetterError,
    MissingField,
    TemplateFailed,
    UnknownTemplate,
    list_templates,
    render_letter,
)
from referral_builder.documents.safety import UnsafeDocument
from referral_builder.domain.model import LETTER_PURPOSES
from tests.builders import D, absent, event, hundred_sessions, make_case, weekdays

TEMPLATE_IDS = [t.id for t in list_templates()]
LETTER_DIR = Path(__file__).resolve().parents[2] / "templates" / "letters"
ON = D(2026, 11, 20)
MISSED = event("m1", "meeting", D(2026, 10, 14), time="09:30", kind="attendance_meeting",
               attended=[], status="did_not_attend", by=("Sam Patel", "Attendance Officer"))
NEXT = event("m2", "meeting", D(2026, 11, 30), time="14:00", kind="attendance_meeting")
EXTRA = {"actions": "Zoë to arrive by 8:45am each day", "targets": "96% by 18 December",
         "target_pct": "95%"}


def letter_case(**changes):
    """Zoë Smith: 23 of 100 sessions missed (77.0%), one N mark and one L, two meetings."""
    overrides = absent(weekdays(D(2026, 9, 7), D(2026, 9, 21)))
    overrides[(D(2026, 10, 12), "AM")] = "N"
    overrides[(D(2026, 10, 12), "PM")] = "L"
    base = make_case(marks=hundred_sessions(overrides), events=(
        MISSED, NEXT,
        event("s1", "support_offer", D(2026, 10, 1), support="early_help_referral",
              outcome="refused")))
    base = dataclasses.replace(base, school=dataclasses.replace(
        base.school, address="Leamore Lane, Walsall WS2 7NR"))
    return dataclasses.replace(base, **changes)


def draft(template_id: str, carer_id: str = "c2", case=None, **kwargs):
    kwargs.setdefault("on", ON)
    kwargs.setdefault("meeting", MISSED)
    if "extra" not in kwargs:  # the values each template asks for, so no warning about others
        known = letters.get_template(template_id, []).extra
        kwargs["extra"] = {k: v for k, v in EXTRA.items() if k in known}
    kwargs.setdefault("template_dirs", [])
    return render_letter(case or letter_case(), template_id, carer_id, **kwargs)


def all_text(data: bytes) -> str:
    """Text of the body, tables, headers and footers, as a reader of the letter sees it."""
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def raw_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                       if n.endswith(".xml"))


# ---- every template ------------------------------------------------------------------------


def test_every_template_has_its_docx_and_known_purposes():
    assert sorted(p.stem for p in LETTER_DIR.glob("*.docx")) == sorted(TEMPLATE_IDS)
    assert len(TEMPLATE_IDS) == 11
    for template in list_templates():
        assert template.purposes and set(template.purposes) <= set(LETTER_PURPOSES)
        assert template.meeting in ("none", "required", "optional")


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_template_names_the_carer_their_address_and_the_pupil(template_id):
    result = draft(template_id)
    text = all_text(result.docx)
    for expected in ("Łukasz Nowak", "4 Mill Lane", "Bloxwich WS3 2BB", "Zoë Smith",
                     "3 May 2016", "20 November 2026", "Bloxwich Academy Primary",
                     "Leamore Lane", "Mrs A Head"):
        assert expected in text
    assert "{{" not in raw_xml(result.docx) and "{%" not in raw_xml(result.docx)
    assert "12 Elm Road" not in text  # the other carer's address never appears


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_template_records_a_letter_event_to_that_carer(template_id):
    result = draft(template_id)
    assert result.event.type == "letter"
    assert result.event.to == ("c2",)
    assert result.event.date == ON
    assert result.event.purposes == result.purposes
    assert result.event.template == template_id  # issue 13.3: the model letter it came from


def test_the_committed_templates_are_what_make_templates_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_templates",
                                                  LETTER_DIR / "make_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.main(tmp_path):
        assert path.read_bytes() == (LETTER_DIR / path.name).read_bytes(), path.name


# ---- merge fields --------------------------------------------------------------------------


def test_attendance_is_computed_from_the_register_as_of_the_letter_date():
    result = draft("post_meeting")
    text = all_text(result.docx)
    # 22 sessions O and one N absent of 100 possible (the L is present): 77.0%.
    assert "Zoë's current attendance is 77.0%" in text
    assert "with 23 sessions of unauthorised absence" in text
    assert result.event.states_attendance_pct == 77.0


def test_attendance_before_the_absences_is_100_percent():
    text = all_text(draft("attendance_concern", on=D(2026, 9, 4)).docx)
    assert "is 100.0%" in text and "4 September 2026" in text


def test_letter_to_each_carer_carries_only_that_carers_address():
    jane = all_text(draft("warning_legal_referral", "c1").docx)
    lukasz = all_text(draft("warning_legal_referral", "c2").docx)
    assert "Jane Smith" in jane and "12 Elm Road" in jane and "4 Mill Lane" not in jane
    assert "Łukasz Nowak" in lukasz and "4 Mill Lane" in lukasz and "12 Elm Road" not in lukasz


def test_meeting_date_and_time_are_written_out():
    text = all_text(draft("meeting_invite", meeting=NEXT, on=D(2026, 11, 20)).docx)
    assert "The meeting is on Monday 30 November 2026 at 2pm, at Bloxwich Academy Primary." \
        in text


def test_meeting_venue_and_host_can_be_given():
    text = all_text(draft("meeting_invite", extra={"venue": "the Family Room"}).docx)
    assert "Wednesday 14 October 2026 at 9:30am, at the Family Room" in text
    assert "You will meet Sam Patel (Attendance Officer)." in text


@pytest.mark.parametrize(("time", "shown"), [
    ("09:30", "9:30am"), ("14:00", "2pm"), ("12:00", "midday"), ("00:15", "12:15am"),
    ("after school", "after school"),
])
def test_clock_times_follow_gov_uk_style(time, shown):
    assert letters.clock(time) == shown


def test_did_not_attend_reinvites_to_the_next_meeting():
    result = draft("did_not_attend", on=D(2026, 11, 20))
    text = all_text(result.docx)
    assert "You were invited to a meeting on Wednesday 14 October 2026 at 9:30am" in text
    assert "The new meeting is on Monday 30 November 2026 at 2pm" in text
    assert result.event.meeting == "m2"
    assert result.purposes == ("did_not_attend", "meeting_invite")


def test_post_meeting_letter_thanks_a_carer_who_came():
    came = dataclasses.replace(MISSED, attended=("c2",), status="held", plan_agreed=True)
    text = all_text(draft("post_meeting", meeting=came).docx)
    assert "Thank you for attending the meeting on 14 October 2026" in text
    assert "we agreed a plan" in text
    text = all_text(draft("post_meeting", meeting=MISSED).docx)
    assert "but you did not attend" in text and "Thank you" not in text


def test_continued_concern_lists_the_support_offered():
    text = all_text(draft("continued_concern").docx)
    assert "Referral to Early Help, offered on 1 October 2026: refused" in text
    assert "with 23 sessions of unauthorised absence and 1 late arrival." in text


def test_unexplained_absence_lists_the_n_sessions_and_a_reply_date():
    text = all_text(draft("unexplained_absence", on=D(2026, 10, 13)).docx)
    assert "Monday 12 October 2026, morning" in text
    assert "by 20 October 2026" in text  # 5 working days after Tue 13 Oct


def test_unexplained_absence_needs_an_n_mark():
    with pytest.raises(MissingField, match=r"register has no unexplained absences \(N\) up to "
                                           r"9 October 2026"):
        draft("unexplained_absence", on=D(2026, 10, 9))


def test_stockport_letter_uses_the_process_instead_of_a_meeting():
    text = all_text(draft("stockport_stage_2", meeting=None,
                          extra={"process": "Team Around the Family"}).docx)
    assert "addressed as part of the Team Around the Family." in text
    assert "School Attendance Meeting" not in text


def test_stockport_letter_without_meeting_or_process_is_refused():
    with pytest.raises(MissingField, match="meeting is not chosen: the letter needs one of: "
                                           "meeting or process"):
        draft("stockport_stage_2", meeting=None, extra={})


def test_stockport_option_follows_whether_a_meeting_was_held():
    text = all_text(draft("stockport_stage_2", meeting=NEXT).docx)
    assert "unsuccessful attempts to engage" in text
    text = all_text(draft("stockport_stage_2", meeting=NEXT,
                          extra={"option": "previous_meeting", "invite_pupil": "yes"}).docx)
    assert "During the previous meeting" in text and "that you and Zoë attend" in text


def test_warning_letter_encloses_the_certificate_and_warns_about_n_marks():
    result = draft("warning_legal_referral")
    assert result.event.encloses == ("attendance_certificate",)
    assert result.purposes == ("warning_legal_referral", "warning")
    assert "Walsall local authority" in all_text(result.docx)
    assert any("1 unresolved N marks" in w for w in result.warnings)


# ---- warnings and errors -------------------------------------------------------------------


def test_invite_with_five_days_notice_warns():
    result = draft("meeting_invite", meeting=NEXT, on=D(2026, 11, 25))
    assert result.warnings == (
        "The meeting on 30 November 2026 is 5 days after this letter's date (25 November "
        "2026): at least 7 days' notice is required (Walsall, Bloxwich). Send the letter by "
        "23 November 2026 or move the meeting.",)


def test_invite_with_seven_days_notice_does_not_warn():
    assert draft("meeting_invite", meeting=NEXT, on=D(2026, 11, 23)).warnings == ()


def test_missing_address_names_the_carer():
    case = letter_case()
    case = dataclasses.replace(case, carers=(case.carers[0],
                                             dataclasses.replace(case.carers[1], address="")))
    with pytest.raises(MissingField) as caught:
        draft("warning_legal_referral", "c2", case=case)
    assert str(caught.value) == ("carers[c2].address is empty: the letter needs the carer's "
                                 "address")
    assert caught.value.path == "carers[c2].address"


@pytest.mark.parametrize(("template_id", "kwargs", "message"), [
    ("meeting_invite", {"meeting": None}, "meeting is not chosen"),
    ("meeting_invite", {"meeting": dataclasses.replace(NEXT, time=None)},
     "events[m2].time is empty: the letter needs the meeting's time"),
    ("did_not_attend", {"meeting": NEXT}, 'new_meeting has no meeting after "m2"'),
    ("east_sussex_letter_2", {"extra": {"targets": "96%"}},
     "actions is empty: the letter needs the actions agreed at the meeting"),
    ("post_meeting", {"meeting": event("e1", "letter", D(2026, 10, 1))},
     "events[e1] is a letter, not a meeting"),
])
def test_missing_or_wrong_input_is_named(template_id, kwargs, message):
    with pytest.raises(LetterError, match=re.escape(message)):
        draft(template_id, **kwargs)


def test_missing_head_teacher_for_the_signature_is_named():
    case = letter_case()
    case = dataclasses.replace(case, school=dataclasses.replace(case.school, head_teacher=""))
    with pytest.raises(MissingField, match=r"^school\.head_teacher is empty"):
        draft("attendance_concern", case=case)
    result = draft("attendance_concern", case=case,
                   extra={"signatory_name": "Sam Patel", "signatory_role": "Attendance Officer"})
    assert "Sam Patel\nAttendance Officer" in all_text(result.docx)


def test_unknown_template_and_carer_list_the_choices():
    with pytest.raises(UnknownTemplate, match="choose one of attendance_concern, "):
        draft("no_such_letter")
    with pytest.raises(LetterError, match=r'no carer with id "c9"; the carers are c1 \(Jane '
                                          r"Smith\), c2 \(Łukasz Nowak\)"):
        draft("attendance_concern", "c9")


def test_a_carer_who_must_not_be_contacted_gets_no_letter():
    case = letter_case()
    case = dataclasses.replace(case, carers=(case.carers[0], dataclasses.replace(
        case.carers[1], contact_restriction="Non-molestation order")))
    with pytest.raises(ContactRestricted, match="must not be contacted: Non-molestation order"):
        draft("attendance_concern", "c2", case=case)


def test_merge_values_cannot_inject_word_xml_or_control_characters():
    case = letter_case()
    evil = dataclasses.replace(case.carers[1], name="Ann <w:p/> & Co\x07\x0c{{ 7*7 }}")
    case = dataclasses.replace(case, carers=(case.carers[0], evil))
    text = all_text(draft("attendance_concern", case=case).docx)
    assert "Dear Ann <w:p/> & Co{{ 7*7 }}," in text
    assert "49" not in text


# ---- school overrides ----------------------------------------------------------------------


def override(folder: Path, template_id: str, text: str) -> Path:
    document = docx.Document()
    document.add_paragraph(text)
    path = folder / f"{template_id}.docx"
    document.save(path)
    return path


def test_a_schools_template_folder_wins(tmp_path):
    override(tmp_path, "meeting_invite", "OUR OWN LETTER to {{ carer.name }} on {{ meeting.when }}")
    result = draft("meeting_invite", template_dirs=[tmp_path])
    assert "OUR OWN LETTER to Łukasz Nowak on Wednesday 14 October 2026 at 9:30am" \
        in all_text(result.docx)
    assert result.template.overridden and result.template.path.parent == tmp_path
    # other letters still come from the built-in templates
    assert "OUR OWN" not in all_text(draft("post_meeting", template_dirs=[tmp_path]).docx)


def test_the_override_folder_can_come_from_the_environment(tmp_path, monkeypatch):
    override(tmp_path, "post_meeting", "Env letter for {{ pupil.full_name }}")
    monkeypatch.setenv("REFERRAL_BUILDER_LETTER_DIR", str(tmp_path))
    result = render_letter(letter_case(), "post_meeting", "c1", on=ON, meeting=MISSED)
    assert all_text(result.docx).strip() == "Env letter for Zoë Smith"


def test_an_override_cannot_run_code(tmp_path):
    override(tmp_path, "meeting_invite", "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateFailed, match=r"meeting_invite\.docx cannot be filled in"):
        draft("meeting_invite", template_dirs=[tmp_path])


def test_an_override_with_an_unknown_field_is_explained(tmp_path):
    override(tmp_path, "meeting_invite", "{{ pupil.shoe_size }}")
    with pytest.raises(TemplateFailed, match="shoe_size"):
        draft("meeting_invite", template_dirs=[tmp_path])


def test_a_hostile_override_is_refused(tmp_path):
    (tmp_path / "meeting_invite.docx").write_bytes(b"PK\x03\x04junk")
    with pytest.raises(UnsafeDocument, match=r"meeting_invite\.docx"):
        draft("meeting_invite", template_dirs=[tmp_path])


# ---- to PDF --------------------------------------------------------------------------------


def test_a_drafted_letter_renders_to_a_pdf_with_its_text():
    pdf = docx_to_pdf(draft("warning_legal_referral").docx, title="Warning letter")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Dear Łukasz Nowak,", "Re: Zoë Smith, date of birth 3 May 2016, Year 5",
                     "Bloxwich Academy Primary", "Enc: Attendance certificate"):
        assert expected in text


def test_dates_are_long_form():
    assert letters.long_date(dt.date(2026, 10, 14)) == "14 October 2026"


# ---- the command line ----------------------------------------------------------------------


def case_file(tmp_path: Path) -> Path:
    import json

    from referral_builder.schemas.case import dump_case

    path = tmp_path / "case.json"
    path.write_text(json.dumps(dump_case(letter_case()), ensure_ascii=False), encoding="utf-8")
    return path


def test_cli_letter_writes_docx_and_pdf_and_prints_warnings(tmp_path, capsys):
    from referral_builder.cli import main

    out = tmp_path / "invite-c2.docx"
    code = main(["letter", str(case_file(tmp_path)), "--template", "meeting_invite", "--to",
                 "c2", "--meeting", "m2", "--on", "2026-11-25", "-o", str(out), "--pdf",
                 "--set", "venue=the Family Room"])
    captured = capsys.readouterr()
    assert code == 0
    assert "at least 7 days' notice is required" in captured.err
    assert "Wrote" in captured.out
    assert "Monday 30 November 2026 at 2pm, at the Family Room" in all_text(out.read_bytes())
    pdf_text = PdfReader(out.with_suffix(".pdf")).pages[0].extract_text()
    assert "Dear Łukasz Nowak," in pdf_text


@pytest.mark.parametrize(("args", "message"), [
    (["--template", "nope", "--to", "c1"], "there is no letter template 'nope'"),
    (["--template", "post_meeting", "--to", "c9", "--meeting", "m1"], 'no carer with id "c9"'),
    (["--template", "post_meeting", "--to", "c1", "--meeting", "m9"],
     '--meeting: there is no event with id "m9"'),
    (["--template", "post_meeting", "--to", "c1"], "meeting is not chosen"),
])
def test_cli_letter_bad_input_exits_2_with_a_message(tmp_path, capsys, args, message):
    from referral_builder.cli import main

    code = main(["letter", str(case_file(tmp_path)), *args, "--on", "2026-11-20",
                 "-o", str(tmp_path / "x.docx")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.docx").exists()


def test_cli_letter_to_a_missing_folder_says_so(tmp_path, capsys):
    from referral_builder.cli import main

    code = main(["letter", str(case_file(tmp_path)), "--template", "attendance_concern",
                 "--to", "c1", "--on", "2026-11-20", "-o", str(tmp_path / "nope" / "x.docx")])
    assert code == 2
    assert "--output: the folder" in capsys.readouterr().err


def test_cli_letter_rejects_a_malformed_set_value(tmp_path, capsys):
    from referral_builder.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["letter", str(case_file(tmp_path)), "--template", "attendance_concern", "--to",
              "c1", "--set", "novalue", "-o", str(tmp_path / "x.docx")])
    assert caught.value.code == 2
    assert "is not KEY=VALUE" in capsys.readouterr().err


def test_a_letter_dated_before_any_school_day_says_the_register_is_empty():
    with pytest.raises(MissingField, match=r"^register has no possible sessions up to "
                                           r"1 September 2026: the letter needs the "
                                           r"attendance %$"):
        draft("attendance_concern", on=D(2026, 9, 1))


def test_the_sign_off_is_never_left_alone_on_a_page():
    pdf = docx_to_pdf(draft("stockport_stage_2", meeting=NEXT).docx)
    reader = PdfReader(io.BytesIO(pdf))
    # The Stockport letter is long enough to turn the page (in Liberation Sans, Arial's
    # metrics, only its enclosures line does, as in Word).
    assert len(reader.pages) == 2
    texts = [page.extract_text() for page in reader.pages]
    signed = [t for t in texts if "Yours sincerely," in t]
    assert len(signed) == 1 and "Mrs A Head" in signed[0]
    assert "Stockport Council" in signed[0]  # the last paragraph of the letter is with it


def test_a_value_the_letter_does_not_use_is_pointed_out():
    result = draft("attendance_concern", extra={"target_pc": "96%"})
    assert result.warnings == ("This letter does not use target_pc; it can use: signatory_name, "
                               "signatory_role, support, target_pct.",)


def test_a_letter_about_a_cancelled_meeting_warns():
    cancelled = dataclasses.replace(NEXT, status="cancelled")
    result = draft("meeting_invite", meeting=cancelled, on=D(2026, 11, 20))
    assert result.warnings == ("The meeting on 30 November 2026 is recorded as cancelled.",)


def test_a_carer_without_parental_responsibility_or_care_is_flagged():
    case = letter_case()
    case = dataclasses.replace(case, carers=(case.carers[0], dataclasses.replace(
        case.carers[1], parental_responsibility=False, day_to_day_care=False)))
    result = draft("attendance_concern", case=case)
    assert result.warnings == ("Łukasz Nowak is not recorded as having parental responsibility "
                               "or day-to-day care of the pupil.",)
