"""A submitted referral is frozen: the LA lists its report as submitted and downloads exactly
the bundle that was sent; the dashboard is one query a page, paginated and sorted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import Engine, event

from referral_builder.storage.models import CaseRecord, School, StoredFile, Submission
from tests.web.conftest import Client


def _bundle(app, content: bytes) -> int:  # type: ignore[no-untyped-def]
    store = app.extensions["files"]
    with app.extensions["db"].writing() as s:
        row = StoredFile(case_id=1, kind="bundle", doc_id=None, sha256=store.put(content),
                         filename="WAL-bundle.pdf", media_type="application/pdf",
                         size=len(content), page_count=len(content))
        s.add(row)
        s.flush()
        return row.id


def _submit(app, case_id: int = 1, bundle_id: int | None = None, **frozen) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        record = s.get(CaseRecord, case_id)
        record.status = "submitted"
        record.submitted_at = dt.datetime(2026, 11, 20, 9, 0) + dt.timedelta(minutes=case_id)
        s.add(Submission(case_id=case_id, action="submitted", user_id=1, name="Sam Patel",
                         bundle_file_id=bundle_id, **frozen))


FROZEN = {"pupil_name": "Zoë Frozen", "ready": False, "outstanding": 3,
          "attendance_pct": 81.5, "report": "{}"}


def test_the_la_downloads_the_bundle_that_was_submitted_not_a_rebuild(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    sent = _bundle(app, b"%PDF-1.4 the bundle that was sent")
    _submit(app, bundle_id=sent, **FROZEN)
    _bundle(app, b"%PDF-1.4 rebuilt afterwards by the school")
    client.sign_in("officer@walsall.example")
    assert client.get("/cases/1/bundle/download").data == b"%PDF-1.4 the bundle that was sent"
    page = client.get("/la/referrals/1").get_data(as_text=True)
    assert f"{len(b'%PDF-1.4 the bundle that was sent')} pages" in page


def test_the_dashboard_shows_the_report_as_submitted(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    _submit(app, bundle_id=_bundle(app, b"%PDF-1.4 x"), **FROZEN)
    client.sign_in("officer@walsall.example")
    page = client.get("/la/").get_data(as_text=True)
    assert "Zoë Frozen" in page and "3 missing" in page and "81.5%" in page


def test_a_referral_sent_before_reports_were_frozen_is_listed(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    _submit(app, bundle_id=None)  # no frozen columns: an old row
    client.sign_in("officer@walsall.example")
    page = client.get("/la/").get_data(as_text=True)
    assert "WAL-2026-0001" in page
    assert "missing" in page or ">Yes<" in page


def _many(app, n: int) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        first = s.get(CaseRecord, 1)
        other = s.query(School).filter(School.name == "Other School").one()
        for k in range(2, n + 1):
            s.add(CaseRecord(id=k, reference=f"WAL-2026-{k:04d}",
                             school_id=other.id if k % 2 else first.school_id,
                             authority_id=first.authority_id, data=first.data))
    for k in range(1, n + 1):
        _submit(app, k, **{**FROZEN, "pupil_name": f"Pupil {k}"})


def _queries(client: Client, url: str) -> tuple[int, str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return len(seen), html


def test_the_dashboard_pages_newest_first_in_flat_queries(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    _many(app, 5)
    client.sign_in("officer@walsall.example")
    few, _ = _queries(client, "/la/")
    _many_more = 60
    with app.extensions["db"].writing() as s:
        first = s.get(CaseRecord, 1)
        for k in range(6, _many_more + 1):
            s.add(CaseRecord(id=k, reference=f"WAL-2026-{k:04d}", school_id=first.school_id,
                             authority_id=first.authority_id, data=first.data))
    for k in range(6, _many_more + 1):
        _submit(app, k, **{**FROZEN, "pupil_name": f"Pupil {k}"})
    many, html = _queries(client, "/la/")
    assert many == few
    refs = re.findall(r"WAL-2026-\d{4}", html)
    assert len(refs) == 50 and refs[0] == "WAL-2026-0060"  # newest first
    assert "60 referrals, page 1 of 2" in html
    second = client.get("/la/?page=2").get_data(as_text=True)
    assert re.findall(r"WAL-2026-\d{4}", second)[-1] == "WAL-2026-0001"


@pytest.mark.parametrize("sort", ["school", "status"])
def test_the_dashboard_sorts_by_school_or_status(app, client: Client, sort: str) -> None:  # type: ignore[no-untyped-def]
    _many(app, 6)
    with app.extensions["db"].writing() as s:
        s.get(CaseRecord, 6).status = "accepted"
    client.sign_in("officer@walsall.example")
    html = client.get(f"/la/?sort={sort}").get_data(as_text=True)
    rows = re.findall(r'href="/la/referrals/(\d+)"', html)
    if sort == "school":  # Bloxwich (even ids) before Other School (odd ids)
        schools = ["other" if int(r) % 2 and int(r) != 1 else "first" for r in rows]
        assert schools == sorted(schools)
    else:
        assert rows[0] == "6"  # accepted before submitted
