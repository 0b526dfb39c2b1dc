"""Issue 14.6 follow-up: a declaration made before a change to the case is out of date until
the DSL confirms it again, and the referral cannot be sent meanwhile."""

from __future__ import annotations

import re

import pytest

from referral_builder.services import cases, referrals
from referral_builder.storage.models import CaseRecord
from tests.web.conftest import Client
from tests.web.test_declaration import declare
from tests.web.test_wizard import case_json

OUT_OF_DATE = "Out of date: confirm again"


@pytest.fixture(autouse=True)
def _ready(monkeypatch):  # type: ignore[no-untyped-def]
    """The declaration page opens once every other item is met; that is not what is tested."""
    from referral_builder.web import submit, tasks

    monkeypatch.setattr(tasks, "only_declaration_left", lambda view: True)
    monkeypatch.setattr(submit, "only_declaration_left", lambda view: True)


def change_the_case(app, change) -> None:  # type: ignore[no-untyped-def]
    """Save a change as every page does (services.cases.save_case)."""
    with app.extensions["db"].session() as s:
        record = s.get(CaseRecord, 1)
        data = case_json(app)
        change(data)
        cases.save_case(s, record, data, record.version)
        s.commit()


def declaration_task(client: Client) -> str:
    """The status of the task list's Declaration row, as shown."""
    html = client.get("/cases/1").get_data(as_text=True)
    row = re.search(r'<li class="govuk-task-list__item[^"]*">(?:(?!</li>).)*?\bDeclaration\b'
                    r'(?:(?!</li>).)*</li>', html, re.S)
    assert row, "no Declaration task"
    status = re.search(r'task-list__status[^>]*>(.*?)</div>', row.group(0), re.S)
    assert status
    return " ".join(re.sub(r"<[^>]+>", " ", status.group(1)).split())


def test_a_change_after_the_declaration_asks_for_it_again_before_sending(app, client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("dsl@school.example")
    assert declare(client).status_code == 302
    made = case_json(app)["declaration"]
    assert made["case_sha256"] == referrals.case_fingerprint(case_json(app))
    assert declaration_task(client) == "Completed"

    def correct_a_summary(data):  # type: ignore[no-untyped-def]
        data["events"][0]["summary"] += " (Mrs Nowak phoned back on 16 September.)"

    change_the_case(app, correct_a_summary)
    assert declaration_task(client) == OUT_OF_DATE
    page = client.get("/cases/1/declaration").get_data(as_text=True)
    assert 'id="out-of-date"' in page and "Confirm it again" in page
    sent = client.get("/cases/1/submit")
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/cases/1/declaration")
    assert "confirm it again" in client.get("/cases/1/declaration").get_data(as_text=True)

    assert declare(client).status_code == 302  # confirmed again, for the case as it is now
    assert declaration_task(client) == "Completed"
    assert 'id="out-of-date"' not in client.get("/cases/1/declaration").get_data(as_text=True)
    assert not client.get("/cases/1/submit").headers["Location"].endswith("/declaration")


def test_saving_the_case_unchanged_keeps_the_declaration(app, client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("dsl@school.example")
    declare(client)
    change_the_case(app, lambda data: None)
    assert declaration_task(client) == "Completed"


def test_a_declaration_made_before_the_rule_is_taken_as_current(app, client) -> None:  # type: ignore[no-untyped-def]
    """referral-case/1 files from before (or from elsewhere) have no case_sha256."""
    client.sign_in("dsl@school.example")
    change_the_case(app, lambda data: data.update(declaration={
        "confirmed": True, "name": "Sam Patel", "role": "DSL", "at": "2026-11-20T10:15:00"}))
    assert not referrals.declaration_out_of_date(case_json(app))
    assert declaration_task(client) == "Completed"
