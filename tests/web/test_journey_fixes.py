"""Issue 14: no case gets stuck, no silent duplicates, dates the user chooses."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from referral_builder.storage.models import AuditEntry, CaseRecord
from tests.web.conftest import Client, error_summary, version_of

DSL = "dsl@school.example"
STAFF = "staff@school.example"


@pytest.fixture
def dsl(client: Client) -> Client:
    client.sign_in(DSL)
    return client


def case_json(app, case_id: int = 1) -> dict:  # type: ignore[no-untyped-def,type-arg]
    with app.extensions["db"].session() as s:
        return json.loads(s.get(CaseRecord, case_id).data)


def _date(d: dt.date) -> list[str]:
    return [str(d.day), str(d.month), str(d.year)]


def test_the_referral_date_can_be_changed_from_the_task_list(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    html = dsl.get("/cases/1").get_data(as_text=True)
    assert 'href="/cases/1/referral-date"' in html
    page = dsl.get("/cases/1/referral-date").get_data(as_text=True)
    r = dsl.post("/cases/1/referral-date", {"version": version_of(page),
                                            "referral_date": ["13", "11", "2026"]})
    assert r.status_code == 302 and r.headers["Location"].endswith("/cases/1")
    assert case_json(app)["referral_date"] == "2026-11-13"


def test_a_referral_date_far_in_the_future_is_refused(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    page = dsl.get("/cases/1/referral-date").get_data(as_text=True)
    before = case_json(app)["referral_date"]
    far = dt.date.today() + dt.timedelta(days=120)
    r = dsl.post("/cases/1/referral-date", {"version": version_of(page),
                                            "referral_date": _date(far)})
    assert r.status_code == 200
    [problem] = error_summary(r.get_data(as_text=True))
    assert problem.startswith("The date of referral must be no later than")
    assert case_json(app)["referral_date"] == before


def test_the_declaration_refuses_a_far_future_date_too() -> None:
    from referral_builder.forms.submit import referral_date_problem

    today = dt.date(2026, 11, 20)
    assert referral_date_problem(dt.date(2026, 12, 20), today) is None
    assert referral_date_problem(dt.date(2026, 12, 21), today) == (
        "The date of referral must be no later than 20 December 2026 (30 days from today)")


def test_a_locked_task_says_why_and_links_to_what_unlocks_it(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    html = dsl.get("/cases/1").get_data(as_text=True)
    if "Cannot start yet" not in html:
        pytest.skip("the demo case is complete")
    assert "You can build the bundle when every evidence item is met." in html
    assert 'href="/cases/1/evidence">See what is still to do</a>' in html


def test_the_declaration_shows_no_dead_button_when_it_cannot_be_made(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    html = dsl.get("/cases/1/declaration").get_data(as_text=True)
    if "when every other evidence item is met" not in html:
        pytest.skip("the demo case is ready for the declaration")
    assert "Confirm and continue" not in html
    assert 'href="/cases/1/referral-date"' in html


def test_a_dsl_can_delete_a_draft_and_it_is_audited(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        record = s.get(CaseRecord, 1)
        assert record.status == "draft"
        reference = record.reference
    assert 'href="/cases/1/withdraw"' in dsl.get("/cases/1").get_data(as_text=True)
    page = dsl.get("/cases/1/withdraw").get_data(as_text=True)
    assert "Are you sure you want to delete the draft referral" in page
    r = dsl.post("/cases/1/withdraw", {"version": version_of(page)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/cases")
    with app.extensions["db"].session() as s:
        assert s.get(CaseRecord, 1) is None
        row = s.scalar(select(AuditEntry).where(AuditEntry.action == "withdraw")
                           .order_by(AuditEntry.id.desc()))
    assert row is not None and row.case_id == 1 and reference in row.detail
    assert dsl.get("/cases/1").status_code == 404


def test_school_staff_cannot_delete_a_draft(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in(STAFF)
    assert 'href="/cases/1/withdraw"' not in client.get("/cases/1").get_data(as_text=True)
    assert client.post("/cases/1/withdraw", {"version": "1"}).status_code == 403
    with app.extensions["db"].session() as s:
        assert s.get(CaseRecord, 1) is not None


def test_a_sent_referral_cannot_be_deleted(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        s.get(CaseRecord, 1).status = "submitted"
    assert dsl.post("/cases/1/withdraw", {"version": "1"}).status_code == 409
    with app.extensions["db"].session() as s:
        assert s.get(CaseRecord, 1) is not None


# ---- 14.2 Back then Save never duplicates; 14.5 concurrent edits -------------------------

def once_of(html: str) -> str:
    import re

    m = re.search(r'name="once"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="once"', html)
    assert m, "no one-time token on the page"
    return m.group(1)


def test_back_then_save_on_a_new_event_shows_the_saved_event(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    page = dsl.get("/cases/1/events/new/note").get_data(as_text=True)
    form = {"version": version_of(page), "once": once_of(page), "date": ["2", "11", "2026"],
            "summary": "Mum phoned back"}
    before = len(case_json(app)["events"])
    first = dsl.post("/cases/1/events/new/note", form)
    assert first.status_code == 302
    second = dsl.post("/cases/1/events/new/note", form)  # Back, then Save again
    events = case_json(app)["events"]
    assert len(events) == before + 1
    assert second.status_code == 302
    assert second.headers["Location"].endswith(f"/cases/1/events/{events[-1]['id']}")
    shown = dsl.get(second.headers["Location"]).get_data(as_text=True)
    assert "You have already saved this" in shown


def test_a_new_form_gets_a_new_token(dsl: Client) -> None:
    a = once_of(dsl.get("/cases/1/events/new/note").get_data(as_text=True))
    b = once_of(dsl.get("/cases/1/events/new/note").get_data(as_text=True))
    assert a != b


def test_back_then_save_on_a_new_carer_adds_one_carer(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    page = dsl.get("/cases/1/carers/new").get_data(as_text=True)
    form = {"version": version_of(page), "once": once_of(page), "name": "Jo Smith",
            "relationship": "grandparent", "parental_responsibility": "no",
            "day_to_day_care": "yes", "address": "1 High Street"}
    before = len(case_json(app)["carers"])
    r = dsl.post("/cases/1/carers/new", form)
    assert r.status_code == 302, error_summary(r.get_data(as_text=True))
    assert dsl.post("/cases/1/carers/new", form).status_code == 302
    assert len(case_json(app)["carers"]) == before + 1


def test_two_tabs_adding_different_events_both_save(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    tab1 = dsl.get("/cases/1/events/new/note").get_data(as_text=True)
    tab2 = dsl.get("/cases/1/events/new/note").get_data(as_text=True)
    before = len(case_json(app)["events"])
    for page, summary in ((tab1, "First tab"), (tab2, "Second tab")):
        r = dsl.post("/cases/1/events/new/note", {
            "version": version_of(page), "once": once_of(page),
            "date": ["3", "11", "2026"], "summary": summary})
        assert r.status_code == 302, error_summary(r.get_data(as_text=True))
    summaries = [e.get("summary") for e in case_json(app)["events"]]
    assert len(summaries) == before + 2
    assert {"First tab", "Second tab"} <= set(summaries)


def test_a_change_to_the_same_event_keeps_the_typed_form(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    event = next(e for e in case_json(app)["events"] if e["type"] == "note") \
        if any(e["type"] == "note" for e in case_json(app)["events"]) else None
    if event is None:
        page = dsl.get("/cases/1/events/new/note").get_data(as_text=True)
        dsl.post("/cases/1/events/new/note", {"version": version_of(page),
                                              "once": once_of(page),
                                              "date": ["3", "11", "2026"], "summary": "A"})
        event = case_json(app)["events"][-1]
    url = f"/cases/1/events/{event['id']}"
    mine = dsl.get(url).get_data(as_text=True)
    theirs = dsl.get(url).get_data(as_text=True)
    import re

    basis = re.search(r'name="basis"[^>]*value="([^"]+)"', theirs) or re.search(
        r'value="([^"]+)"[^>]*name="basis"', theirs)
    assert basis
    assert dsl.post(url, {"version": version_of(theirs), "basis": basis.group(1),
                          "date": ["3", "11", "2026"], "summary": "Their words"}
                    ).status_code == 302
    r = dsl.post(url, {"version": version_of(mine), "basis": basis.group(1),
                       "date": ["3", "11", "2026"], "summary": "My words"})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Someone else changed this event after you opened it" in html
    assert "My words" in html and "Their words" in html
    saved = next(e for e in case_json(app)["events"] if e["id"] == event["id"])
    assert saved["summary"] == "Their words"


def test_a_change_to_a_sent_referral_says_it_has_been_sent(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        s.get(CaseRecord, 1).status = "submitted"
    r = dsl.post("/cases/1/pupil", {"version": "1"})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "This referral has been sent" in html
    assert "Someone else changed this case" not in html


# ---- 14.3 letters dated as they happened ------------------------------------------------

def _meeting(app) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return next(e for e in case_json(app)["events"] if e["type"] == "meeting")


def test_a_letter_can_be_recorded_with_the_date_it_was_sent(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    page = dsl.get("/cases/1/letters").get_data(as_text=True)
    sent = dt.date.today() - dt.timedelta(days=9)
    form = {"version": version_of(page), "template": "attendance_concern", "carer": "c1",
            "sent_on": _date(sent)}
    preview = dsl.post("/cases/1/letters", form).get_data(as_text=True)
    assert f"The letter is dated {sent.day} {sent:%B %Y}" in preview
    assert f"Record as sent on {sent.day} {sent:%B %Y}" in preview
    # The download (a POST, so no letter details in the URL) carries the same date
    download = re.search(r'<form[^>]*id="download-letter".*?</form>', preview, re.S).group(0)
    assert all(f'name="sent_on" value="{part}"' in download
               for part in (sent.day, sent.month, sent.year))
    r = dsl.post("/cases/1/letters/download", form)
    assert r.status_code == 200 and f"{sent.isoformat()}.docx" in r.headers["Content-Disposition"]
    r = dsl.post("/cases/1/letters/record", {**form, "once": once_of(preview)})
    assert r.status_code == 302
    event = case_json(app)["events"][-1]
    assert event["type"] == "letter" and event["date"] == sent.isoformat()
    # Back, then record again: still one letter
    again = dsl.post("/cases/1/letters/record", {**form, "once": once_of(preview)})
    assert again.status_code == 302 and "/events/" in again.headers["Location"]
    assert len([e for e in case_json(app)["events"] if e["date"] == sent.isoformat()
                and e["type"] == "letter"]) == 1


def test_a_letter_cannot_be_dated_in_the_future(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    page = dsl.get("/cases/1/letters").get_data(as_text=True)
    r = dsl.post("/cases/1/letters", {"version": version_of(page), "template":
                                      "attendance_concern", "carer": "c1",
                                      "sent_on": _date(dt.date.today() + dt.timedelta(days=3))})
    assert "The date on the letter must be today or in the past" in error_summary(
        r.get_data(as_text=True))


def test_an_invitation_dated_after_its_meeting_needs_a_confirmation(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    meeting = _meeting(app)
    page = dsl.get("/cases/1/letters").get_data(as_text=True)
    form = {"version": version_of(page), "template": "meeting_invite", "carer": "c1",
            "meeting": meeting["id"], "sent_on": _date(dt.date.today())}
    preview = dsl.post("/cases/1/letters", form).get_data(as_text=True)
    assert "after the meeting it is about" in preview
    before = len(case_json(app)["events"])
    r = dsl.post("/cases/1/letters/record", {**form, "once": once_of(preview)})
    assert r.status_code == 400
    assert "Confirm the date on the letter is right" in r.get_data(as_text=True)
    assert len(case_json(app)["events"]) == before
    r = dsl.post("/cases/1/letters/record", {**form, "once": once_of(preview),
                                             "confirm_notice": "y"})
    assert r.status_code == 302
    assert len(case_json(app)["events"]) == before + 1


def test_an_invitation_with_short_notice_is_flagged(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    meeting = _meeting(app)
    sent = dt.date.fromisoformat(meeting["date"]) - dt.timedelta(days=3)
    page = dsl.get("/cases/1/letters").get_data(as_text=True)
    preview = dsl.post("/cases/1/letters", {
        "version": version_of(page), "template": "meeting_invite", "carer": "c1",
        "meeting": meeting["id"], "sent_on": _date(sent)}).get_data(as_text=True)
    assert "This letter gives 3 days’ notice of the meeting" in preview


def test_a_confirmed_late_invitation_is_listed_under_worth_checking(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    meeting = _meeting(app)
    page = dsl.get("/cases/1/letters").get_data(as_text=True)
    form = {"version": version_of(page), "template": "meeting_invite", "carer": "c1",
            "meeting": meeting["id"], "sent_on": _date(dt.date.today()), "confirm_notice": "y"}
    preview = dsl.post("/cases/1/letters", form).get_data(as_text=True)
    assert dsl.post("/cases/1/letters/record", {**form, "once": once_of(preview)}
                    ).status_code == 302
    html = dsl.get("/cases/1/evidence").get_data(as_text=True)
    worth = html.split('id="worth-checking"', 1)[1].split("</ul>", 1)[0]
    today = dt.date.today()
    assert (f"The invitation (letter) of {today.day} {today:%B %Y} is dated after the meeting "
            "it invites to") in worth


def test_evidence_with_no_copy_attached_says_so_and_links_to_attach_it(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    html = dsl.get("/cases/1/evidence").get_data(as_text=True)
    data = case_json(app)
    bare = [e for e in data["events"] if e["type"] == "letter" and not e.get("documents")]
    assert bare, "the demo case has a letter with no copy"
    assert "is attached: the local authority will ask for it." in html
    assert "Attach the copy</a>" in html


# ---- 14.8 one upload limit, inline -------------------------------------------------------

def test_one_upload_limit_is_stated_on_every_upload_page(dsl: Client) -> None:
    from pathlib import Path

    from referral_builder.forms.fields import UPLOAD_LIMIT_MB

    for url in ("/cases/1/register", "/cases/1/events/new/note", "/cases/import"):
        html = dsl.get(url).get_data(as_text=True)
        assert f"The file must be smaller than {UPLOAD_LIMIT_MB}MB." in html, url
    script = (Path(__file__).parents[2] / "referral_builder/web/static/app.mjs").read_text()
    assert f"const UPLOAD_LIMIT_MB = {UPLOAD_LIMIT_MB};" in script


def test_an_attachment_over_the_limit_is_an_inline_error_with_the_form_kept(
        app, dsl: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from referral_builder.forms import fields

    monkeypatch.setattr(fields, "UPLOAD_LIMIT_BYTES", 1000)
    page = dsl.get("/cases/1/events/new/note").get_data(as_text=True)
    r = dsl.post("/cases/1/events/new/note", {
        "version": version_of(page), "once": once_of(page), "date": ["2", "11", "2026"],
        "summary": "Typed words stay", "attachment": (io.BytesIO(b"%PDF" + b"x" * 2000),
                                                      "big.pdf")},
        content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "The selected file must be smaller than 20MB" in error_summary(html)
    assert "Typed words stay" in html


# ---- 14.11 words ---------------------------------------------------------------------------

def test_the_header_shows_who_is_signed_in(dsl: Client) -> None:
    html = dsl.get("/cases").get_data(as_text=True)
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    assert "Signed in as <strong>Sam Patel</strong>, designated safeguarding lead" in header


def test_event_titles_read_as_english(dsl: Client) -> None:
    html = dsl.get("/cases/1/events/new/note").get_data(as_text=True)
    assert "Record a other note" not in html
    assert "Record a note" in html
    assert "Record an email" in dsl.get("/cases/1/events/new/email").get_data(as_text=True)


# ---- 14.10 the LA officer's view -----------------------------------------------------------

def test_a_returned_referral_can_be_answered_and_the_history_shows_it(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.storage.models import Submission, User

    with app.extensions["db"].writing() as s:
        officer = s.scalar(select(User).where(User.email == "officer@walsall.example"))
        record = s.get(CaseRecord, 1)
        record.status, record.return_reason = "returned", "Please add the certificate."
        s.add(Submission(case_id=1, action="returned", user_id=officer.id, name=officer.name,
                         reason="Please add the certificate."))
    client.sign_in(DSL)
    html = client.get("/cases/1").get_data(as_text=True)
    assert 'action="/cases/1/reply"' in html
    empty = client.post("/cases/1/reply", {"message": "  "})
    assert empty.status_code == 400
    assert "Enter your reply" in error_summary(empty.get_data(as_text=True))
    r = client.post("/cases/1/reply", {"message": "The certificate is now attached."})
    assert r.status_code == 302
    history = client.get("/cases/1").get_data(as_text=True).split('id="history"', 1)[1]
    assert history.index("Please add the certificate.") < history.index(
        "The certificate is now attached.")
    assert "Replied by Sam Patel" in history
    with app.extensions["db"].writing() as s:
        s.get(CaseRecord, 1).status = "submitted"
    la = Client(app)
    la.sign_in("officer@walsall.example")
    page = la.get("/la/referrals/1").get_data(as_text=True)
    assert "Replied by Sam Patel" in page and "The certificate is now attached." in page


def test_the_la_report_shows_worth_checking(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        s.get(CaseRecord, 1).status = "submitted"
    client.sign_in("officer@walsall.example")
    html = client.get("/la/referrals/1").get_data(as_text=True)
    assert 'id="worth-checking"' in html
    assert "is attached: the local authority will ask for it." in html


# ---- 14.4 date of birth on the pupil page -------------------------------------------------

def test_the_year_group_of_a_date_of_birth() -> None:
    from referral_builder.forms.case import date_of_birth_problem, expected_year_group

    today = dt.date(2026, 11, 20)  # school year 2026-27
    assert expected_year_group(dt.date(2016, 9, 1), today) == 5   # Year 5
    assert expected_year_group(dt.date(2017, 8, 31), today) == 5  # summer-born, Year 5
    assert expected_year_group(dt.date(2017, 9, 1), today) == 4
    assert expected_year_group(dt.date(2022, 3, 14), today) == 0  # Reception
    assert date_of_birth_problem(dt.date(2017, 9, 1), "Year 5", today) is None  # one out: fine
    assert date_of_birth_problem(dt.date(2019, 3, 14), "Year 5", today) == (
        "The pupil’s date of birth does not fit Year 5; a pupil born then is usually in "
        "Year 3. Check the date of birth and the year group")


def test_the_pupil_page_refuses_a_future_or_mismatched_date_of_birth(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    page = dsl.get("/cases/1/pupil").get_data(as_text=True)
    form = {"version": version_of(page), "first_name": "Zoë", "last_name": "Smith",
            "year_group": "Year 5", "address": "12 Elm Road"}
    future = dt.date.today() + dt.timedelta(days=40)
    r = dsl.post("/cases/1/pupil", {**form, "date_of_birth": _date(future)})
    assert error_summary(r.get_data(as_text=True)) == [
        "The pupil’s date of birth must be in the past"]
    r = dsl.post("/cases/1/pupil", {**form, "date_of_birth": ["14", "3", "2022"]})
    [problem] = error_summary(r.get_data(as_text=True))
    assert problem.startswith("The pupil’s date of birth does not fit Year 5")
    assert case_json(app)["pupil"]["date_of_birth"] == "2016-05-03"


def test_the_referral_sent_panel_shows_no_raw_html(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        s.get(CaseRecord, 1).status = "submitted"
    html = dsl.get("/cases/1/submitted").get_data(as_text=True)
    assert "&lt;br&gt;" not in html and "&lt;strong&gt;" not in html
    assert "Your reference number<br><strong>WAL-2026-0001</strong>" in html


def test_the_demo_prints_the_url_it_really_serves(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.cli import main

    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(tmp_path / "demo-instance"))
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "test")
    assert main(["demo", "--host", "127.0.0.1", "--port", "8123"]) == 0
    assert "Sign in at http://127.0.0.1:8123/sign-in" in capsys.readouterr().out
