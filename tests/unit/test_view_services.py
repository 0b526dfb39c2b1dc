"""The services the views of issue 12.1 call, on a database of their own: the demo authority
(Walsall), its school, its users and its case, made on Friday 20 November 2026."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from referral_builder.schemas.case import load_case
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from referral_builder import accounts
from referral_builder.checklists import get_checklist
from referral_builder.services import (
    acknowledgements,
    audit,
    cases,
    conversation,
    demo,
    drafts,
    form_tokens,
    new_cases,
    register_marks,
    term_dates,
    users,
)
from referral_builder.storage.db import Database
from referral_builder.storage.files import FileStore, LocalFileStore
from referral_builder.storage.migrate import upgrade
from referral_builder.storage.models import (
    Authority,
    CaseRecord,
    FormToken,
    School,
    StoredFile,
    Submission,
    User,
)

FRIDAY = dt.date(2026, 11, 20)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1000"))
    database = Database(f"sqlite:///{tmp_path / 'rb.db'}")
    upgrade(database.engine)
    with database.writing() as s:
        demo.create(s, LocalFileStore(tmp_path / "files"), today=FRIDAY)
    return database


@pytest.fixture
def s(db: Database) -> Iterator[Session]:
    session = db.session()
    yield session
    session.close()


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return LocalFileStore(tmp_path / "files")


def _user(s: Session, email: str) -> User:
    user = s.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _demo_case(s: Session) -> CaseRecord:
    record = s.scalar(select(CaseRecord))
    assert record is not None
    return record


# ---- register marks: the period a referral may use ------------------------------------------

def test_marks_are_read_from_the_start_of_the_previous_school_year_to_the_referral_date(
) -> None:
    case = load_case(demo.demo_case("WAL-2026-0001", dt.date(2026, 12, 10))).case
    assert register_marks.period(case, today=dt.date(2026, 12, 1)) == (
        dt.date(2025, 9, 1), dt.date(2026, 12, 10))
    # Marks taken after the referral date, up to today, are still accepted.
    assert register_marks.period(case, today=dt.date(2027, 1, 5)) == (
        dt.date(2025, 9, 1), dt.date(2027, 1, 5))


# ---- one-time form tokens -------------------------------------------------------------------

def test_a_saved_form_is_found_by_its_token_only_for_the_user_who_saved_it(s: Session) -> None:
    form_tokens.remember(s, token="tok-1", user_id=1, case_id=1, url="/cases/1/events/e3",
                         content="digest-1")
    s.commit()
    assert form_tokens.saved_page(s, token="tok-1", user_id=1) == "/cases/1/events/e3"
    assert form_tokens.saved_page(s, token="tok-1", user_id=2) is None
    assert form_tokens.saved_page(s, token="tok-2", user_id=1) is None


def test_the_same_content_sent_again_is_found_for_fifteen_minutes(s: Session) -> None:
    content = form_tokens.digest("carer", {"name": "Ann Smith"})
    form_tokens.remember(s, token="tok-1", user_id=1, case_id=1, url="/cases/1/carers/c2",
                         content=content)
    s.commit()
    assert form_tokens.saved_page(s, token="a-new-token", user_id=1, case_id=1,
                                  content=content) == "/cases/1/carers/c2"
    assert form_tokens.saved_page(s, token="a-new-token", user_id=1, case_id=2,
                                  content=content) is None
    row = s.get(FormToken, "tok-1")
    assert row is not None
    row.at -= dt.timedelta(minutes=16)
    s.commit()
    assert form_tokens.saved_page(s, token="a-new-token", user_id=1, case_id=1,
                                  content=content) is None


def test_a_form_without_a_token_leaves_no_row(s: Session) -> None:
    form_tokens.remember(s, token="", user_id=1, case_id=1, url="/cases/1")
    s.commit()
    assert s.scalar(select(FormToken)) is None


# ---- term dates ---------------------------------------------------------------------------------

def test_the_schools_term_dates_are_saved_and_replaced(s: Session) -> None:
    school_id = _demo_case(s).school_id
    dsl = _user(s, "dsl@school.example")
    assert term_dates.school_calendar(s, school_id) is None
    calendar, problems = term_dates.parse("5/1/2027 to 12/2/2027\n22/2/2027 to 1/4/2027",
                                          "29/1/2027")
    assert problems == [] and calendar is not None
    term_dates.save_calendar(s, school_id, calendar, dsl.id)
    assert term_dates.school_calendar(s, school_id) == calendar
    spring, _ = term_dates.parse("5/1/2027 to 12/2/2027", "")
    assert spring is not None
    term_dates.save_calendar(s, school_id, spring, dsl.id)
    assert term_dates.school_calendar(s, school_id) == spring
    assert term_dates.school_calendar(s, None) is None


def test_overlapping_terms_are_refused_naming_the_line() -> None:
    calendar, problems = term_dates.parse("5/1/2027 to 12/2/2027\n1/2/2027 to 1/4/2027", "")
    assert calendar is None
    assert [p["text"] for p in problems] == [
        "Terms, line 2: the term 1 Feb 2027 to 1 Apr 2027 overlaps the term on line 1"]


# ---- a draft withdrawn by its DSL ----------------------------------------------------------------

def _file(s: Session, store: FileStore, case_id: int, content: bytes, doc_id: str) -> str:
    sha = store.put(content)
    s.add(StoredFile(case_id=case_id, kind="evidence", doc_id=doc_id, sha256=sha,
                     filename=f"{doc_id}.pdf", media_type="application/pdf", size=len(content)))
    return sha


def test_a_withdrawn_draft_takes_its_rows_and_only_the_files_no_other_case_uses(
        s: Session, store: FileStore) -> None:
    record = _demo_case(s)
    staff = _user(s, "staff@school.example")
    other = cases.create_case(s, authority=record.authority, school=record.school,
                              created_by=staff.id,
                              data=demo.demo_case("WAL-2026-0002", FRIDAY))
    own = _file(s, store, record.id, b"%PDF-1.4 only this case", "d1")
    shared = _file(s, store, record.id, b"%PDF-1.4 both cases", "d2")
    _file(s, store, other.id, b"%PDF-1.4 both cases", "d1")
    acknowledgements.acknowledge(s, staff, get_checklist("walsall"), record.id)
    shas = drafts.delete_draft(s, record.id)
    assert shas == {own, shared}
    assert drafts.finish_withdrawal(s, store, shas) == 1
    assert s.get(CaseRecord, record.id) is None
    assert not store.path(own).exists()
    assert store.path(shared).exists()
    assert s.get(CaseRecord, other.id) is not None


# ---- the conversation with the local authority -------------------------------------------

def test_the_schools_reply_follows_the_return_in_the_history(s: Session) -> None:
    record = _demo_case(s)
    dsl, officer = _user(s, "dsl@school.example"), _user(s, "officer@walsall.example")
    assert not conversation.ever_sent(s, record.id)
    assert conversation.last_return(s, record.id) is None
    s.add(Submission(case_id=record.id, action="submitted", user_id=dsl.id, name=dsl.name,
                     at=dt.datetime(2026, 11, 23, 9, 0)))
    s.add(Submission(case_id=record.id, action="returned", user_id=officer.id,
                     name=officer.name, reason="Add the second letter",
                     at=dt.datetime(2026, 11, 24, 14, 30)))
    s.commit()
    conversation.reply(s, record.id, dsl, "The second letter is now attached.")
    assert [h.action for h in conversation.history(s, record.id)] == [
        "submitted", "returned", "replied"]
    returned = conversation.last_return(s, record.id)
    assert returned is not None and returned.reason == "Add the second letter"
    assert conversation.ever_sent(s, record.id)


# ---- the tick-box and new cases ------------------------------------------------------------

def test_an_imported_case_needs_the_requirements_confirmed_here(s: Session) -> None:
    record = _demo_case(s)
    staff = _user(s, "staff@school.example")
    assert not acknowledgements.needs_acknowledgement(s, record)  # started here
    record.imported_at = dt.datetime(2026, 11, 20, 10, 0)
    s.commit()
    assert acknowledgements.needs_acknowledgement(s, record)
    acknowledgements.acknowledge(s, staff, get_checklist("walsall"), record.id)
    assert not acknowledgements.needs_acknowledgement(s, record)


def _start(s: Session, email: str, ack_id: int | None) -> CaseRecord:
    user = _user(s, email)
    authority = new_cases.authority(s, "walsall")
    assert authority is not None
    pupil = demo.demo_case("X", FRIDAY)["pupil"]
    return new_cases.start_case(
        s, authority=authority, user=user, pupil=pupil, acknowledgement_id=ack_id,
        declaration_roles=get_checklist("walsall").param("declaration_roles"),
        today=dt.date(2026, 11, 23))


def test_the_dsls_tick_at_the_start_makes_the_declaration(s: Session) -> None:
    dsl = _user(s, "dsl@school.example")
    ack_id = acknowledgements.acknowledge(s, dsl, get_checklist("walsall"))
    record = _start(s, "dsl@school.example", ack_id)
    declaration = cases.CaseView(record).data["declaration"]
    assert declaration["confirmed"] is True and declaration["name"] == "Sam Patel"
    assert record.reference == "WAL-2026-0002"  # the demo case is 0001
    tick = acknowledgements.own_tick(s, ack_id, dsl)
    assert tick is not None and tick.case_id == record.id


def test_school_staffs_tick_links_to_the_case_without_a_declaration(s: Session) -> None:
    staff = _user(s, "staff@school.example")
    ack_id = acknowledgements.acknowledge(s, staff, get_checklist("walsall"))
    record = _start(s, "staff@school.example", ack_id)
    assert "declaration" not in cases.CaseView(record).data
    tick = acknowledgements.own_tick(s, ack_id, staff)
    assert tick is not None and tick.case_id == record.id


def test_someone_elses_tick_is_not_used(s: Session) -> None:
    dsl = _user(s, "dsl@school.example")
    ack_id = acknowledgements.acknowledge(s, _user(s, "staff@school.example"),
                                          get_checklist("walsall"))
    record = _start(s, "dsl@school.example", ack_id)
    assert "declaration" not in cases.CaseView(record).data
    assert acknowledgements.own_tick(s, ack_id, dsl) is None


# ---- the calendar feed's secret and the audit log ----------------------------------------------

def test_a_calendar_feed_secret_works_until_it_is_revoked(s: Session) -> None:
    dsl = _user(s, "dsl@school.example")
    assert users.has_calendar_feed(s, dsl.id) is False
    token = users.new_calendar_feed(s, dsl.id)
    assert users.has_calendar_feed(s, dsl.id) is True
    found = users.calendar_feed_user(s, token)
    assert found is not None and found.id == dsl.id
    assert users.calendar_feed_user(s, token + "x") is None
    assert users.calendar_feed_user(s, "x" * 101) is None
    users.revoke_calendar_feed(s, dsl.id)
    assert users.calendar_feed_user(s, token) is None
    assert users.has_calendar_feed(s, 9999) is None


def test_the_audit_log_is_read_by_user_and_by_day(db: Database, s: Session) -> None:
    dsl = _user(s, "dsl@school.example")
    entries = [audit.entry(user_id=dsl.id, action="view", case_id=1, detail="",
                           endpoint="cases.task_list"),
               audit.entry(user_id=None, action="denied", case_id=1, detail="view refused",
                           endpoint="cases.task_list"),
               audit.entry(user_id=dsl.id, action="export", case_id=1, detail="",
                           endpoint="cases.export")]
    entries[0].at = dt.datetime(2026, 11, 23, 23, 59)
    entries[1].at = dt.datetime(2026, 11, 24, 8, 0)
    entries[2].at = dt.datetime(2026, 11, 25, 9, 0)
    audit.write(db, entries)
    s.rollback()  # end the read snapshot taken before the entries were written
    by_dsl = list(audit.read_log(s, audit.LogFilter(email=" DSL@school.example ")))
    assert [r.entry.action for r in by_dsl] == ["export", "view"]
    assert {r.user_email for r in by_dsl} == {"dsl@school.example"}
    monday = list(audit.read_log(s, audit.LogFilter(date_from=dt.date(2026, 11, 23),
                                                    date_to=dt.date(2026, 11, 23))))
    assert [(r.entry.action, r.entry.outcome) for r in monday] == [("view", "allowed")]
    newest = list(audit.read_log(s, audit.LogFilter(), limit=1))
    assert [r.entry.action for r in newest] == ["export"]
    assert [e.outcome for e in entries] == ["allowed", "refused", "allowed"]


def test_a_case_started_as_another_takes_its_reference_gets_the_next_one(s: Session) -> None:
    """Two DSLs start a case at the same moment on PostgreSQL: both read WAL-2026-0001 as the
    next reference; the second insert clashes and takes WAL-2026-0002 instead of failing."""
    first = _demo_case(s)
    school = s.get(School, first.school_id)
    authority = s.get(Authority, first.authority_id)
    assert school is not None and authority is not None
    data = demo.demo_case(first.reference, FRIDAY)  # the reference the first case took
    record = cases.create_case(s, authority=authority, school=school,
                               created_by=first.created_by, data=data)
    prefix, number = first.reference.rsplit("-", 1)
    assert record.reference == data["reference"] == f"{prefix}-{int(number) + 1:04d}"
    assert load_case(json.loads(record.data)).case.reference == record.reference
