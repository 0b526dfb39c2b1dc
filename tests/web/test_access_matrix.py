"""Every route that takes an id checks access; a matrix of users × cases proves who sees what.

The users: school A staff, school B staff, LA officer X (the authority the case went to),
LA officer Y (another authority), a disabled user and an anonymous visitor. The cases: school
A's submitted case, school B's submitted case, a case school A submitted to another LA, and a
draft. Each cell expects success, 403/404 (with a "denied" audit row) or the sign-in page.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from flask import g
from sqlalchemy import select

from referral_builder import accounts
from referral_builder.services import demo
from referral_builder.storage.models import (
    AuditEntry,
    Authority,
    CaseRecord,
    School,
    StoredFile,
)
from tests.web.conftest import PASSWORD, Client, make_app

SAMPLE_IDS = {"carer_id": "c1", "event_id": "e1", "doc_id": "d1", "event_type": "letter",
              "item_id": "wal_medical_investigated", "slug": "walsall", "job_id": 1}
#: URL parameters that name something which is not a child's record, and why that is safe.
NOT_A_RECORD = {
    "filename": "static files and GOV.UK Frontend assets",
    "slug": "an authority's public checklist, used to start a new case",
    "token": "a calendar feed's secret: it is the key, and names only its own user's school",
}


def rules_with_ids(app):  # type: ignore[no-untyped-def]
    return [r for r in app.url_map.iter_rules() if set(r.arguments) - set(NOT_A_RECORD)]


def test_every_rule_with_an_id_requires_sign_in_and_a_role(app) -> None:  # type: ignore[no-untyped-def]
    unchecked = []
    for rule in rules_with_ids(app):
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "access_roles", None):
            unchecked.append(rule.rule)
    assert not unchecked, f"routes with an id but no @roles/@school_user: {unchecked}"


def test_every_rule_with_an_id_goes_through_the_access_check(app) -> None:  # type: ignore[no-untyped-def]
    """Request each such route as a user whose role passes but who may not see case 1 (school
    B for school pages, an officer of another LA for LA pages): the check must run and refuse."""
    seen: dict[str, object] = {}

    @app.after_request
    def _record(resp):  # type: ignore[no-untyped-def]
        seen["checked"] = g.get("case_checked")
        return resp

    with app.extensions["db"].writing() as s:
        accounts.create_authority(s, "stockport", "Stockport Council")
        accounts.create_user(s, "officer@stockport.example", "Yan Officer", "la_officer",
                             PASSWORD, authority="stockport")
    outsiders = {"school": Client(app), "la": Client(app)}
    outsiders["school"].sign_in("b@other.example")
    outsiders["la"].sign_in("officer@stockport.example")
    rules = rules_with_ids(app)
    assert len(rules) >= 25
    for rule in rules:
        roles = app.view_functions[rule.endpoint].access_roles
        client = outsiders["school" if {"dsl", "school_staff"} & set(roles) else "la"]
        url = rule.build({**SAMPLE_IDS, "case_id": 1}, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            seen.clear()
            r = client.c.open(url, method=method, data={"version": "1"})
            assert seen.get("checked") == 1, f"{method} {rule.rule} skipped case_view"
            assert r.status_code in (403, 404), f"{method} {rule.rule} gave {r.status_code}"


# --- the matrix -----------------------------------------------------------------------------

OWN, OTHER_SCHOOL, OTHER_LA, DRAFT = "own", "other school", "other LA", "draft"


@pytest.fixture(scope="module")
def world(tmp_path_factory):  # type: ignore[no-untyped-def]
    app = make_app(tmp_path_factory.mktemp("matrix"), WTF_CSRF_ENABLED=False)
    store = app.extensions["files"]
    with app.extensions["db"].writing() as s:
        accounts.create_authority(s, "stockport", "Stockport Council")
        accounts.create_user(s, "officer@stockport.example", "Yan Officer", "la_officer",
                             PASSWORD, authority="stockport")
        accounts.create_user(s, "gone@school.example", "Gone User", "dsl", PASSWORD,
                             school=demo.SCHOOL)
        walsall = s.scalar(select(Authority).where(Authority.slug == "walsall"))
        stockport = s.scalar(select(Authority).where(Authority.slug == "stockport"))
        school_a = s.scalar(select(School).where(School.name == demo.SCHOOL))
        school_b = s.scalar(select(School).where(School.name == "Other School"))
        ids = {DRAFT: 1}
        for n, (key, school, authority) in enumerate(
                ((OWN, school_a, walsall), (OTHER_SCHOOL, school_b, walsall),
                 (OTHER_LA, school_a, stockport)), start=2):
            data = demo.demo_case(f"MX-{n}", dt.date(2026, 11, 20))
            record = CaseRecord(reference=f"MX-{n}", school_id=school.id,
                                authority_id=authority.id, status="submitted",
                                data=json.dumps(data), submitted_at=dt.datetime(2026, 11, 20))
            s.add(record)
            s.flush()
            ids[key] = record.id
        for case_id in ids.values():
            s.add(StoredFile(case_id=case_id, kind="bundle", sha256=store.put(b"%PDF-1.4 b"),
                             filename="b.pdf", media_type="application/pdf", size=10))
    clients = {}
    for who, email in (("school A", "dsl@school.example"), ("school B", "b@other.example"),
                       ("LA X", "officer@walsall.example"),
                       ("LA Y", "officer@stockport.example"),
                       ("disabled", "gone@school.example")):
        clients[who] = Client(app)
        assert clients[who].sign_in(email).status_code == 302
    with app.extensions["db"].writing() as s:
        accounts.disable_user(s, "gone@school.example")
    clients["anonymous"] = Client(app)
    return app, ids, clients


SCHOOL_OF = {OWN: "A", OTHER_SCHOOL: "B", OTHER_LA: "A", DRAFT: "A"}
LA_OF = {OWN: "X", OTHER_SCHOOL: "X", OTHER_LA: "Y", DRAFT: None}  # None: not sent yet


def expected(who: str, case: str, page: str) -> int:
    """The status the rules say `who` gets for `page` of `case`."""
    if who in ("anonymous", "disabled"):
        return 302
    if who.startswith("school"):
        if page == "la":
            return 403
        return 200 if who.endswith(SCHOOL_OF[case]) else 404
    if page in ("view", "export"):
        return 403  # LA officers read referrals on their own pages, never the school's wizard
    return 200 if who.endswith(LA_OF[case] or "-") else 404


PAGES = {"view": "/cases/{}", "export": "/cases/{}/export",
         "download": "/cases/{}/bundle/download", "la": "/la/referrals/{}"}
ACTIONS = {"view": "view", "export": "export", "download": "download", "la": "view"}
WHO = ("school A", "school B", "LA X", "LA Y", "disabled", "anonymous")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("case", (OWN, OTHER_SCHOOL, OTHER_LA, DRAFT))
@pytest.mark.parametrize("who", WHO)
def test_access_matrix(world, who: str, case: str, page: str) -> None:  # type: ignore[no-untyped-def]
    app, ids, clients = world
    case_id = ids[case]
    with app.extensions["db"].session() as s:
        before = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc())) or 0
    r = clients[who].get(PAGES[page].format(case_id))
    want = expected(who, case, page)
    assert r.status_code == want, f"{who} on {page} of the {case} case"
    if want == 302:
        assert "/sign-in" in r.headers["Location"]
        return
    with app.extensions["db"].session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.id > before)).all()
    actions = [(row.action, row.case_id, row.outcome) for row in rows]
    if want == 200:
        assert (ACTIONS[page], case_id, "allowed") in actions
    else:
        assert ("denied", case_id, "refused") in actions


def test_the_matrix_covers_every_combination() -> None:
    cells = [(w, c, p) for w in WHO for c in (OWN, OTHER_SCHOOL, OTHER_LA, DRAFT) for p in PAGES]
    allowed = [cell for cell in cells if expected(*cell) == 200]
    assert len(cells) == 96
    # school A: own, other LA and draft on three pages; school B: its own on three;
    # LA X: own and other school on two; LA Y: the case sent to it on two.
    assert len(allowed) == 9 + 3 + 4 + 2


# --- CSRF -----------------------------------------------------------------------------------

def _token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _signed_in_with_csrf(app, email: str) -> tuple[Client, str]:  # type: ignore[no-untyped-def]
    client = Client(app)
    token = _token(client.get("/sign-in").get_data(as_text=True))
    r = client.post("/sign-in", {"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, "sign-in with a valid token must work"
    return client, _token(client.get("/cases/new").get_data(as_text=True))


def _post_urls(app) -> list[str]:  # type: ignore[no-untyped-def]
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or ()):
            urls.append(rule.build({**SAMPLE_IDS, "case_id": 1}, append_unknown=False)[1])
    return urls


def test_every_post_route_refuses_another_users_csrf_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tmp_path)  # CSRF on
    owner, own_token = _signed_in_with_csrf(app, "dsl@school.example")
    _, foreign_token = _signed_in_with_csrf(app, "b@other.example")
    assert own_token != foreign_token
    # Control: the owner's own token is accepted (a 302 after saving the flags).
    ok = owner.post("/cases/1/flags", {"version": "1", "send": "none", "csrf_token": own_token})
    assert ok.status_code == 302
    urls = _post_urls(app)
    assert len(urls) >= 25
    accepted = [u for u in urls
                if owner.post(u, {"version": "2", "csrf_token": foreign_token}).status_code
                != 400]
    accepted += [u for u in urls if owner.post(u, {"version": "2"}).status_code != 400]
    assert accepted == []
