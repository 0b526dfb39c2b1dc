"""Who may see what: school B never sees school A's case, documents or bundle; CSRF everywhere."""

from __future__ import annotations

import pytest

from referral_builder.storage.models import CaseRecord, StoredFile
from tests.web.conftest import Client, make_app

CASE_URLS = [
    "/cases/1", "/cases/1/pupil", "/cases/1/flags", "/cases/1/carers", "/cases/1/carers/c1",
    "/cases/1/carers/c1/remove", "/cases/1/register", "/cases/1/register/preview",
    "/cases/1/register/pupil", "/cases/1/register/columns", "/cases/1/register/sheet",
    "/cases/1/register/read/1",
    "/cases/1/events", "/cases/1/events/new", "/cases/1/events/new/letter",
    "/cases/1/events/e1", "/cases/1/events/e1/remove", "/cases/1/documents/d1",
    "/cases/1/letters", "/cases/1/letters/pdf/1", "/cases/1/letters/pdf/1/download",
    "/cases/1/evidence", "/cases/1/evidence/wal_medical_investigated/not-applicable",
    "/cases/1/check-answers", "/cases/1/export", "/cases/1/requirements",
    "/cases/1/declaration", "/cases/1/bundle", "/cases/1/bundle/status",
    "/cases/1/bundle/download", "/cases/1/submit", "/cases/1/submitted",
    "/cases/1/referral-date", "/cases/1/withdraw",
]


@pytest.fixture
def with_files(app):  # type: ignore[no-untyped-def]
    store = app.extensions["files"]
    with app.extensions["db"].writing() as s:
        for kind, doc_id in (("evidence", "d1"), ("bundle", None)):
            s.add(StoredFile(case_id=1, kind=kind, doc_id=doc_id, sha256=store.put(b"%PDF-1.4 x"),
                             filename="x.pdf", media_type="application/pdf", size=10))
    return app


@pytest.mark.parametrize("url", CASE_URLS)
def test_a_user_of_another_school_gets_not_found(with_files, client: Client, url: str) -> None:
    client.sign_in("b@other.example")
    assert client.get(url).status_code == 404
    assert client.post(url.split("?")[0], {"version": "1"}).status_code in (404, 405)


@pytest.mark.parametrize("url", ["/cases/1", "/cases/1/bundle/download", "/la/referrals/1",
                                 "/school/term-dates"])
def test_anonymous_users_are_sent_to_sign_in(client: Client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 302 and "/sign-in" in r.headers["Location"]


def test_an_la_officer_cannot_see_a_draft(client: Client) -> None:
    client.sign_in("officer@walsall.example")
    assert client.get("/la/referrals/1").status_code == 404
    assert client.get("/cases/1/bundle/download").status_code == 404


def test_an_la_officer_sees_a_submitted_referral(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        s.get(CaseRecord, 1).status = "submitted"
    client.sign_in("officer@walsall.example")
    assert client.get("/la/referrals/1").status_code == 200
    assert "WAL-2026-0001" in client.get("/la/").get_data(as_text=True)


def test_la_officers_cannot_use_the_schools_term_dates_page(client: Client) -> None:
    client.sign_in("officer@walsall.example")
    assert client.get("/school/term-dates").status_code == 403
    assert client.post("/school/term-dates", {"terms": "1/9/2026 to 18/12/2026"}
                       ).status_code == 403


def test_school_staff_cannot_use_the_la_pages(client: Client) -> None:
    client.sign_in("dsl@school.example")
    assert client.get("/la/").status_code == 403
    assert client.get("/la/check-a-bundle").status_code == 403


def test_every_case_route_is_covered_by_this_file(app) -> None:  # type: ignore[no-untyped-def]
    rules = {r.rule for r in app.url_map.iter_rules() if "<int:case_id>" in r.rule
             or "<case_id>" in r.rule}
    covered = {u.split("?")[0] for u in CASE_URLS} | {"/la/referrals/1"}
    pattern = {r.replace("<int:case_id>", "1").replace("<case_id>", "1")
               .replace("<carer_id>", "c1").replace("<event_id>", "e1")
               .replace("<doc_id>", "d1").replace("<event_type>", "letter")
               .replace("<item_id>", "wal_medical_investigated")
               .replace("<int:job_id>", "1") for r in rules}
    # POST only, tested in test_letter_preview.py and the access matrix
    missing = pattern - covered - {"/cases/1/letters/record", "/cases/1/letters/download",
                                     "/cases/1/letters/pdf", "/cases/1/reply"}
    assert not missing


def test_signing_out_ends_a_copied_session_cookie(client: Client) -> None:
    client.sign_in("dsl@school.example")
    cookie = client.c.get_cookie("session")
    client.post("/sign-out")
    client.c.set_cookie("session", cookie.value, domain="localhost", secure=True)
    r = client.get("/cases/1")
    assert r.status_code == 302 and "/sign-in" in r.headers["Location"]


def test_responses_carry_the_security_headers(client: Client) -> None:
    r = client.get("/sign-in")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
    assert "max-age" in r.headers["Strict-Transport-Security"]
    cookie = client.sign_in("dsl@school.example").headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_post_route_refuses_a_missing_csrf_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tmp_path)  # CSRF on
    client = Client(app)
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert client.post("/sign-in", {"email": "dsl@school.example",
                                     "password": "demo-password-1"}).status_code == 400
    posts = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or ())]
    assert posts
    for rule in posts:
        url = (rule.rule.replace("<int:case_id>", "1").replace("<case_id>", "1")
               .replace("<carer_id>", "c1").replace("<event_id>", "e1")
               .replace("<event_type>", "letter").replace("<slug>", "walsall")
               .replace("<item_id>", "wal_medical_investigated"))
        assert client.post(url, {"version": "1"}).status_code == 400, url


def test_a_disabled_user_is_signed_out_at_once(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    from referral_builder import accounts

    client.sign_in("dsl@school.example")
    assert client.get("/cases/1").status_code == 200
    with app.extensions["db"].writing() as s:
        accounts.disable_user(s, "dsl@school.example")
    assert client.get("/cases/1").status_code == 302
    assert "Enter a correct email address" in client.sign_in("dsl@school.example").get_data(
        as_text=True)


def test_a_user_of_another_school_cannot_reply_for_the_case(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        s.get(CaseRecord, 1).status = "returned"
    client.sign_in("b@other.example")
    assert client.post("/cases/1/reply", {"message": "Not mine"}).status_code == 404
