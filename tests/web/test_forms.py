"""Every form shows the GOV.UK error summary and a message by the field for bad input."""

from __future__ import annotations

import io

import pytest

from tests.web.conftest import error_summary, field_errors, version_of

DSL = "dsl@school.example"


@pytest.fixture
def dsl(client):  # type: ignore[no-untyped-def]
    client.sign_in(DSL)
    return client


def test_sign_in_with_a_wrong_password_gives_one_vague_message(client) -> None:  # type: ignore[no-untyped-def]
    r = client.sign_in(DSL, "wrong-password")
    html = r.get_data(as_text=True)
    assert error_summary(html) == ["Enter a correct email address and password"]


def test_sign_in_with_nothing_entered_names_both_fields(client) -> None:  # type: ignore[no-untyped-def]
    html = client.post("/sign-in", {"email": "", "password": ""}).get_data(as_text=True)
    assert error_summary(html) == ["Enter your email address", "Enter your password"]
    assert "Enter your email address" in field_errors(html)


@pytest.mark.parametrize(("url", "data", "summary"), [
    ("/cases/new", {}, "Select the local authority"),
    ("/cases/new/walsall/requirements", {}, "Confirm that you have read and understand the "
                                            "evidence requirements"),
    ("/cases/1/pupil", {"first_name": "", "date_of_birth": ["", "", ""]},
     "Enter the pupil’s first name"),
    ("/cases/1/pupil", {"first_name": "A", "last_name": "B", "date_of_birth": ["31", "2", "2016"],
                        "year_group": "Year 5", "address": "x"},
     "The pupil’s date of birth must be a real date"),
    ("/cases/1/pupil", {"first_name": "A", "last_name": "B", "date_of_birth": ["3"],
                        "year_group": "Year 5", "address": "x"},
     "Enter the pupil’s date of birth"),
    ("/cases/1/flags", {}, "Select the pupil’s special educational needs"),
    ("/cases/1/carers/new", {"name": ""}, "Enter the carer’s full name"),
    ("/cases/1/carers", {}, "Select whether you need to add another parent or carer"),
    ("/cases/1/events/new", {}, "Select what you want to record"),
    ("/cases/1/events/new/letter", {"date": ["", "", ""]}, "Enter the date"),
    ("/cases/1/events/new/letter", {"date": ["1", "", "2026"], "to": "c1",
                                    "purposes": "support"}, "The date must include a month"),
    ("/cases/1/events/new/meeting", {"date": ["1", "10", "2026"]}, "Select the kind of meeting"),
    ("/cases/1/events/new/referral", {"date": ["1", "10", "2026"]}, "Enter the service"),
    ("/cases/1/letters", {}, "Select the letter"),
    ("/cases/1/register", {}, "Select a CSV or XLSX file of register marks"),
    ("/cases/import", {}, "Select a case export zip file"),
])
def test_bad_input_shows_the_error_summary_and_the_field_message(dsl, url, data, summary):  # type: ignore[no-untyped-def]
    if "version" not in data and url != "/cases/new" and "/new/walsall" not in url:
        data = {**data, "version": version_of(dsl.get(url.replace("/carers/new", "/carers/c1"))
                                               .get_data(as_text=True)) if "import" not in url
                else ""}
    r = dsl.post(url, data)
    assert r.status_code == 200, r.status_code
    html = r.get_data(as_text=True)
    assert summary in error_summary(html)
    assert summary in field_errors(html)
    assert "<title>Error:" in html


def test_a_register_with_bad_lines_lists_each_line(dsl) -> None:  # type: ignore[no-untyped-def]
    version = version_of(dsl.get("/cases/1/register").get_data(as_text=True))
    csv = "Date,Session,Code\n2026-09-07,AM,/\n2026-09-07,XX,/\n31/02/2026,AM,/\n"
    r = dsl.post("/cases/1/register", {"version": version,
                                       "csv_file": (io.BytesIO(csv.encode()), "reg.csv")},
                 content_type="multipart/form-data")
    summary = error_summary(r.get_data(as_text=True))
    assert 'Line 3: "XX" is not a session (use AM or PM)' in summary
    assert any(s.startswith("Line 4:") for s in summary)


def test_the_la_decision_to_return_needs_reasons(app, client) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.storage.models import CaseRecord

    with app.extensions["db"].writing() as s:
        s.get(CaseRecord, 1).status = "submitted"
    client.sign_in("officer@walsall.example")
    r = client.post("/la/referrals/1", {"decision": "return", "reason": ""})
    html = r.get_data(as_text=True)
    assert "Enter the reasons for returning it" in error_summary(html)
    assert "Enter the reasons for returning it" in field_errors(html)


def test_the_bundle_check_needs_a_file(client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("officer@walsall.example")
    html = client.post("/la/check-a-bundle", {}).get_data(as_text=True)
    assert "Select a bundle PDF to check" in error_summary(html)


def test_a_file_that_is_not_a_bundle_gets_a_message_not_a_crash(client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("officer@walsall.example")
    r = client.post("/la/check-a-bundle", {"bundle": (io.BytesIO(b"%PDF-1.7 truncated"),
                                                      "bundle.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    assert "The file is not a bundle this service can check" in field_errors(
        r.get_data(as_text=True))[0]


def test_a_date_error_links_to_the_day_box(dsl) -> None:  # type: ignore[no-untyped-def]
    version = version_of(dsl.get("/cases/1/events/new/note").get_data(as_text=True))
    html = dsl.post("/cases/1/events/new/note", {"version": version, "date": ["", "", ""]}
                    ).get_data(as_text=True)
    assert 'href="#date-day"' in html and 'id="date-day"' in html
