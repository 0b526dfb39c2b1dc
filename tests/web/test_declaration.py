"""Issue 11.5: the declaration is made as the signed-in user, and only by the role the
authority's checklist names (the designated safeguarding lead unless it says otherwise)."""

from __future__ import annotations

import dataclasses

import pytest

from referral_builder.web import tasks
from tests.web.conftest import Client, version_of
from tests.web.test_wizard import case_json

DECLARATION = {"referral_date": ["20", "11", "2026"], "confirmed": "y"}


@pytest.fixture(autouse=True)
def _ready(monkeypatch):  # type: ignore[no-untyped-def]
    """The declaration page opens once every other item is met; that is not what is tested."""
    monkeypatch.setattr(tasks, "only_declaration_left", lambda view: True)
    from referral_builder.web import submit

    monkeypatch.setattr(submit, "only_declaration_left", lambda view: True)


def declare(client: Client, **extra: str):  # type: ignore[no-untyped-def]
    html = client.get("/cases/1/declaration").get_data(as_text=True)
    return client.post("/cases/1/declaration",
                       {"version": version_of(html), **DECLARATION, **extra})


def test_the_declaration_names_the_signed_in_dsl_whatever_the_form_says(app, client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("dsl@school.example")
    page = client.get("/cases/1/declaration").get_data(as_text=True)
    assert 'name="name"' not in page and 'name="role"' not in page
    assert "Sam Patel" in page
    r = declare(client, name="Mrs Head Teacher", role="Head teacher")  # ignored
    assert r.status_code == 302
    made = case_json(app)["declaration"]
    assert (made["name"], made["role"]) == ("Sam Patel", "Designated safeguarding lead")


def test_the_bundle_cover_prints_who_really_declared(app, client) -> None:  # type: ignore[no-untyped-def]
    import io

    from pypdf import PdfReader
    from referral_builder.schemas.case import load_case

    from referral_builder.documents.pages import cover_part
    from referral_builder.services import checking

    client.sign_in("dsl@school.example")
    assert declare(client, name="Someone Else", role="Head").status_code == 302
    loaded = load_case(case_json(app))
    checklists = checking.checklists_for(loaded.case)
    cover = cover_part(loaded.case, checking.check(loaded, checklists), checklists, draft=False)
    text = " ".join(PdfReader(io.BytesIO(cover.pdf)).pages[0].extract_text().split())
    assert "Confirmed by Sam Patel, Designated safeguarding lead" in text
    assert "Someone Else" not in text


def test_school_staff_who_are_not_the_dsl_cannot_declare(app, client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("staff@school.example")
    page = client.get("/cases/1/declaration").get_data(as_text=True)
    assert "Only the designated safeguarding lead can make the declaration" in page
    assert 'name="confirmed"' not in page
    before = case_json(app)
    html = client.get("/cases/1/pupil").get_data(as_text=True)
    r = client.post("/cases/1/declaration", {"version": version_of(html), **DECLARATION})
    assert r.status_code == 403
    assert case_json(app) == before


def test_an_authority_can_let_school_staff_declare(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.services import cases

    real = cases.checking.checklists_for

    def with_staff(case):  # type: ignore[no-untyped-def]
        return [dataclasses.replace(c, parameters={
            **c.parameters, "declaration_roles": ["dsl", "school_staff"]})
            if c.kind == "authority" else c for c in real(case)]

    monkeypatch.setattr(cases.checking, "checklists_for", with_staff)
    client.sign_in("staff@school.example")
    assert declare(client).status_code == 302
    made = case_json(app)["declaration"]
    assert (made["name"], made["role"]) == ("Alex Morgan", "School staff")


def test_declaration_roles_is_a_checked_checklist_parameter() -> None:
    from referral_builder.schemas.checklist import CHECKLIST_PARAMETER_TYPES

    from referral_builder.checklists import get_checklist
    from referral_builder.domain.checklist import DEFAULT_PARAMETERS

    assert DEFAULT_PARAMETERS["declaration_roles"] == ("dsl",)
    assert get_checklist("walsall").param("declaration_roles") == ("dsl",)
    ok, _ = CHECKLIST_PARAMETER_TYPES["declaration_roles"]
    assert ok(["dsl", "school_staff"]) and not ok(["head"]) and not ok([]) and not ok("dsl")
