"""The `referral-case/1` reader and writer (case-format.md): errors name the field path."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from referral_builder.schemas.case import dump_case, load_case, load_case_file

from referral_builder.domain.errors import InvalidCase
from referral_builder.domain.model import Document
from tests.builders import D, absent, event, make_case, term_marks


def written_case():
    """Zoë Smith's case with an invite, a meeting she did not come to and a document."""
    return make_case(
        marks=term_marks(overrides=absent([D(2026, 10, 5)], "O")),
        events=(
            event("e1", "letter", D(2026, 10, 1), to=["c1", "c2"], by=("Sam Patel", "DSL"),
                  purposes=["meeting_invite"], meeting="m1", documents=["d1"]),
            event("m1", "meeting", D(2026, 10, 9), time="09:30", kind="attendance_meeting",
                  attended=[], status="did_not_attend"),
            event("e2", "medical_inquiry", D(2026, 10, 12), with_=["school_nurse"],
                  consent_requested=True),
        ),
        documents=(Document("d1", "evidence/invite.pdf", "Invitation, 1 Oct 2026"),),
        not_applicable={"wal_early_help": "Family already open to Early Help"},
    )


def as_json(case):
    return json.loads(json.dumps(dump_case(case)))


def problems(data):
    with pytest.raises(InvalidCase) as info:
        load_case(data)
    return info.value.problems


def test_a_written_case_reads_back_equal():
    case = written_case()
    loaded = load_case(as_json(case))
    assert loaded.case == case
    assert loaded.warnings == []


def test_dumped_events_carry_only_the_fields_that_are_set():
    data = as_json(written_case())
    assert data["events"][2] == {"id": "e2", "type": "medical_inquiry", "date": "2026-10-12",
                                 "with": ["school_nurse"], "consent_requested": True}


def test_a_misspelt_top_level_key_is_refused():
    data = as_json(written_case())
    data["evnts"] = data.pop("events")
    assert ("evnts", "is not a field of referral-case/1 (a typo?)") in problems(data)


def test_an_unknown_flag_is_refused():
    data = as_json(written_case())
    data["pupil"]["flags"]["social_wroker"] = True
    assert [p for p, _ in problems(data)] == ["pupil.flags.social_wroker"]


def test_an_unknown_event_field_is_kept_with_a_warning():
    data = as_json(written_case())
    data["events"][0]["delivered_by"] = "hand"
    loaded = load_case(data)
    assert loaded.case.events[0].extra == {"delivered_by": "hand"}
    assert any("events[0].delivered_by" in w for w in loaded.warnings)
    assert dump_case(loaded.case)["events"][0]["delivered_by"] == "hand"


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda d: d["events"][0].update(meeting="m9"), "events[0].meeting",
     'no meeting with id "m9"'),
    (lambda d: d["events"][0].update(to=["c1", "c7"]), "events[0].to[1]",
     'no carer with id "c7"'),
    (lambda d: d["events"][0].update(documents=["d2"]), "events[0].documents[0]",
     'no document with id "d2"'),
    (lambda d: d["events"][1].update(date="2026-02-30"), "events[1].date",
     '"2026-02-30" is not a real date'),
    (lambda d: d["events"][1].update(date="09/10/2026"), "events[1].date",
     '"09/10/2026" is not a date (YYYY-MM-DD)'),
    (lambda d: d["events"][1].update(time="9.30am"), "events[1].time",
     '"9.30am" is not a time (HH:MM, 24-hour)'),
    (lambda d: d["events"][1].update(type="meeeting"), "events[1].type",
     '"meeeting" is not one of: ' + ", ".join(
         ("letter", "email", "text", "phone_call", "home_visit", "meeting", "agency_contact",
          "support_offer", "referral", "medical_inquiry", "review", "notice_to_improve",
          "penalty_notice", "note"))),
    (lambda d: d["events"][0].update(purposes=["invite"]), "events[0].purposes[0]", None),
    (lambda d: d["carers"].append(dict(d["carers"][0])), "carers[2].id",
     '"c1" is already used by carers[0]'),
    (lambda d: d["register"]["marks"].insert(1, dict(d["register"]["marks"][0])),
     "register.marks[1]", "2026-09-03 AM is already register.marks[0]"),
    (lambda d: d["register"]["marks"][3].update(code="9"), "register.marks[3].code",
     '"9" is not a DfE attendance code'),
    (lambda d: d["documents"][0].update(file="../../etc/passwd"), "documents[0].file", None),
    (lambda d: d.pop("referral_date"), "referral_date", "is required"),
    (lambda d: d["pupil"].update(flags={"send": "statement"}), "pupil.flags.send", None),
])
def test_each_problem_names_its_field(change, path, message):
    data = as_json(written_case())
    change(data)
    found = dict(problems(data))
    assert path in found, found
    if message is not None:
        assert found[path] == message


def test_every_problem_is_reported_at_once():
    data = as_json(written_case())
    data["events"][0]["meeting"] = "m9"
    data["events"][1]["date"] = "tomorrow"
    with pytest.raises(InvalidCase) as info:
        load_case(data)
    assert [p for p, _ in info.value.problems] == ["events[1].date", "events[0].meeting"]
    assert "(and 1 more problem)" in str(info.value)


def test_wrong_format_version_is_refused():
    data = as_json(written_case())
    data["format"] = "referral-case/2"
    assert problems(data) == [("format", 'must be "referral-case/1", not "referral-case/2"')]


def test_a_meeting_invite_without_its_meeting_is_read_with_a_warning():
    data = as_json(written_case())
    del data["events"][0]["meeting"]
    loaded = load_case(data)
    assert any("events[0]" in w and "name its meeting" in w for w in loaded.warnings)


def test_register_can_be_a_csv_beside_the_case_file(tmp_path):
    data = as_json(written_case())
    data["register"] = {"csv": "register.csv"}
    (tmp_path / "register.csv").write_text(
        "Date,Session,Mark\n05/10/2026,AM,O\n05/10/2026,PM,O\n06/10/2026,AM,/\n",
        encoding="utf-8")
    (tmp_path / "case.json").write_text(json.dumps(data), encoding="utf-8")
    marks = load_case_file(tmp_path / "case.json").case.marks
    assert [(m.date, m.session, m.code) for m in marks] == [
        (D(2026, 10, 5), "AM", "O"), (D(2026, 10, 5), "PM", "O"), (D(2026, 10, 6), "AM", "/")]


def test_a_bad_line_in_the_register_csv_is_named(tmp_path):
    data = as_json(written_case())
    data["register"] = {"csv": "register.csv"}
    (tmp_path / "register.csv").write_text("Date,Session,Mark\n05/10/2026,AM,O\n31/09/2026,AM,/\n",
                                           encoding="utf-8")
    (tmp_path / "case.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidCase) as info:
        load_case_file(tmp_path / "case.json")
    assert str(info.value) == 'register.csv: register.csv line 3: "31/09/2026" is not a real date'


def test_a_file_that_is_not_json_says_where(tmp_path):
    (tmp_path / "case.json").write_text('{"format": "referral-case/1",\n "reference": }')
    with pytest.raises(InvalidCase, match="not valid JSON: Expecting value at line 2"):
        load_case_file(tmp_path / "case.json")


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(names=st.lists(_text.filter(str.strip), min_size=1, max_size=3),
       pct=st.none() | st.floats(0, 100, allow_nan=False),
       summary=_text, extra=st.dictionaries(st.sampled_from(["x_a", "x_b"]), _text, max_size=2))
def test_any_case_written_reads_back_equal(names, pct, summary, extra):
    from tests.builders import carers
    base = carers()[0]
    people = tuple(type(base)(f"c{n}", name, "carer", True) for n, name in enumerate(names))
    case = make_case(carers=people, events=(
        event("e1", "letter", D(2026, 10, 1), to=[p.id for p in people],
              states_attendance_pct=pct, summary=summary, extra=extra),))
    assert load_case(as_json(case)).case == case


# ---- issue 13.3: optional fields added after v1's first release -----------------------------

def extended_case():
    from dataclasses import replace

    from referral_builder.domain.model import Sibling

    base = written_case()
    jane, lukasz = base.carers
    return replace(
        base,
        carers=(replace(jane, date_of_birth=D(1988, 3, 14)), lukasz),
        siblings=(Sibling("Maja Nowak", D(2019, 6, 1), "Bloxwich Academy Primary"),),
        documents=(Document("d1", "evidence/invite.pdf", "Invitation", "letter_copy"),
                   Document("d2", "evidence/gp.pdf", "GP letter", "medical_evidence")),
        events=(*base.events,
                event("m2", "meeting", D(2026, 10, 16), time="09:30", kind="attendance_meeting",
                      attended=["c1"], status="held", replaces="m1", requested_by_parent=True),
                event("e3", "letter", D(2026, 10, 19), to=["c1"], purposes=["post_meeting"],
                      meeting="m2", template="post_meeting",
                      evidence_for=("wal_post_meeting_letter",)),
                event("e4", "agency_contact", D(2026, 10, 20), agency="other",
                      return_="attendance_10_day")),
    )


def test_the_new_optional_fields_read_back_equal():
    case = extended_case()
    data = as_json(case)
    assert data["documents"][1]["kind"] == "medical_evidence"
    assert data["events"][-1]["return"] == "attendance_10_day"
    assert data["siblings"] == [{"name": "Maja Nowak", "date_of_birth": "2019-06-01",
                                 "school": "Bloxwich Academy Primary"}]
    assert load_case(data).case == case


def test_the_declarations_fingerprint_reads_back_equal():
    data = as_json(written_case())
    data["declaration"] = {"confirmed": True, "name": "Sam Patel", "role": "DSL",
                           "at": "2026-11-20T10:15:00", "case_sha256": "ab" * 32}
    case = load_case(data).case
    assert case.declaration.case_sha256 == "ab" * 32
    assert as_json(case)["declaration"] == data["declaration"]


def test_a_file_without_the_new_fields_reads_as_before():
    data = as_json(written_case())
    assert "siblings" not in data and "kind" not in data["documents"][0]
    assert "date_of_birth" not in data["carers"][0]
    case = load_case(data).case
    assert case.siblings is None and case.documents[0].kind == "other"
    assert case.carers[0].date_of_birth is None


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda d: d["documents"][1].update(kind="gp_note"), "documents[1].kind",
     '"gp_note" is not one of: letter_copy, medical_evidence'),
    (lambda d: d["events"][3].update(replaces="m9"), "events[3].replaces",
     'no meeting with id "m9"'),
    (lambda d: d["events"][4].update(replaces="m1"), "events[4].replaces",
     "only a meeting can replace a meeting"),
    (lambda d: d["carers"][0].update(date_of_birth="14/03/1988"), "carers[0].date_of_birth",
     "is not a date"),
    (lambda d: d["siblings"][0].update(shcool="x"), "siblings[0].shcool",
     "is not a field of referral-case/1"),
    (lambda d: d["events"][5].update({"return": "weekly"}), "events[5].return",
     '"weekly" is not one of: attendance_10_day, sickness_15_day'),
])
def test_the_new_fields_are_checked_with_their_paths(change, path, message):
    data = as_json(extended_case())
    change(data)
    found = problems(data)
    assert any(p == path and message in m for p, m in found), found
