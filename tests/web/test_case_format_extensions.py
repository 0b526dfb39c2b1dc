"""Issue 13.3 in the wizard: a document's kind, the template a letter came from, and a
rescheduled meeting recorded as a new meeting that replaces the old one."""

from __future__ import annotations

import io

from tests.web.conftest import Client, error_summary, version_of
from tests.web.test_wizard import case_json, dsl, small_pdf  # noqa: F401  (dsl: a fixture)
from tests.web.work_pages import through_work


def _post_event(client: Client, event_type: str, form: dict) -> None:  # type: ignore[type-arg]
    version = version_of(client.get(f"/cases/1/events/new/{event_type}").get_data(as_text=True))
    r = client.post(f"/cases/1/events/new/{event_type}", {"version": version, **form},
                    content_type="multipart/form-data")
    r = through_work(client, r)  # an attached file is checked in a job first
    assert r.status_code in (302, 303), error_summary(r.get_data(as_text=True))
    assert r.headers["Location"] == "/cases/1/events"


def test_an_attached_document_records_its_kind(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _post_event(dsl, "letter", {
        "date": ["2", "11", "2026"], "to": ["c1"], "purposes": ["medical_evidence"],
        "direction": "incoming", "attachment_kind": "medical_evidence",
        "attachment": (io.BytesIO(small_pdf()), "gp-letter.pdf")})
    data = case_json(app)
    doc_id = data["events"][-1]["documents"][0]
    doc = next(d for d in data["documents"] if d["id"] == doc_id)
    assert doc["kind"] == "medical_evidence"


def test_a_rescheduled_meeting_is_replaced_by_a_new_one_the_parents_asked_for(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811,E501
    _post_event(dsl, "meeting", {"date": ["8", "10", "2026"], "time": "09:30",
                                 "kind": "attendance_meeting", "meeting_status": "rescheduled"})
    old = case_json(app)["events"][-1]["id"]
    html = dsl.get("/cases/1/events/new/meeting").get_data(as_text=True)
    assert "Does it replace a meeting that was rescheduled?" in html
    _post_event(dsl, "meeting", {"date": ["15", "10", "2026"], "time": "09:30",
                                 "kind": "attendance_meeting", "meeting_status": "held",
                                 "attended": ["c1"], "replaces": old,
                                 "requested_by_parent": "yes"})
    new = case_json(app)["events"][-1]
    assert new["replaces"] == old and new["requested_by_parent"] is True


def test_a_drafted_letter_records_its_template_and_a_letter_copy(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    html = dsl.get("/cases/1/letters").get_data(as_text=True)
    form = {"version": version_of(html), "template": "attendance_concern", "carer": "c1"}
    assert dsl.post("/cases/1/letters/record", form).status_code == 302
    data = case_json(app)
    event = data["events"][-1]
    assert event["template"] == "attendance_concern"
    doc = next(d for d in data["documents"] if d["id"] == event["documents"][0])
    assert doc["kind"] == "letter_copy"
