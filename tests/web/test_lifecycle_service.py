"""The life-cycle services write the history and set the status themselves, and refuse what
the state machine refuses without writing anything (issue 12.1)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from referral_builder.services import referrals
from referral_builder.storage.models import CaseRecord, StoredFile, Submission, User, utcnow

REASON = "The meeting notes of 3 October 2026 are missing."


def person(s, role: str) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    """A demo user in `role` (the DSL is Sam Patel), as the actor a service is given."""
    user = s.scalar(select(User).where(User.role == role).order_by(User.id))
    return SimpleNamespace(id=user.id, name=user.name, role=user.role)


def rows(s) -> int:  # type: ignore[no-untyped-def]
    return s.scalar(select(func.count()).select_from(Submission)) or 0


def ready_report(ready: bool = True) -> SimpleNamespace:
    return SimpleNamespace(ready=ready, outstanding=() if ready else ("x",),
                           attendance=SimpleNamespace(attendance_pct=81.5), items=())


def test_the_officer_returns_then_accepts_after_the_school_sends_again(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(referrals, "frozen_report", lambda case, report: {
        "pupil_name": "Zoë Smith", "ready": True, "outstanding": 0, "attendance_pct": 81.5,
        "report": "{}"})
    with app.extensions["db"].session() as s:
        sam, officer = person(s, "dsl"), person(s, "la_officer")
        record = s.get(CaseRecord, 1)
        bundle = StoredFile(case_id=1, kind="bundle", sha256="0" * 64, filename="b.pdf",
                            media_type="application/pdf", size=1, created_at=utcnow())
        s.add(bundle)
        s.commit()
        record.updated_at = bundle.created_at
        before = rows(s)
        referrals.submit(s, record, by=sam, version=record.version, case=None,
                         report=ready_report(), bundle=bundle)
        assert record.status == "submitted" and record.submitted_at is not None
        referrals.decide(s, record, by=officer, decision="return", reason=REASON)
        assert (record.status, record.return_reason) == ("returned", REASON)
        referrals.submit(s, record, by=sam, version=record.version, case=None,
                         report=ready_report(), bundle=bundle)
        assert (record.status, record.return_reason) == ("submitted", "")
        referrals.decide(s, record, by=officer, decision="accept")
        assert record.status == "accepted"
        history = [(h.action, h.name, h.reason) for h in referrals.history(s, 1)][-4:]
        assert history == [("submitted", sam.name, ""), ("returned", officer.name, REASON),
                           ("submitted", sam.name, ""), ("accepted", officer.name, "")]
        assert rows(s) == before + 4
        assert referrals.submitted_bundle(s, 1).id == bundle.id


@pytest.mark.parametrize(("role", "status", "message"), [
    ("school_staff", "draft", "Only the designated safeguarding lead"),
    ("dsl", "submitted", "waiting for the local authority's decision"),
    ("dsl", "accepted", "has been accepted"),
])
def test_a_refused_send_writes_nothing(app, role, status, message) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        who = person(s, role)
        record = s.get(CaseRecord, 1)
        record.status = status
        s.commit()
        before = rows(s)
        with pytest.raises(referrals.NotAllowed, match=message):
            referrals.submit(s, record, by=who, version=record.version, case=None,
                             report=ready_report(), bundle=None)
        s.rollback()
        assert rows(s) == before and s.get(CaseRecord, 1).status == status


def test_a_send_is_refused_when_not_ready_without_a_bundle_or_on_an_old_page(app) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        sam = person(s, "dsl")
        record = s.get(CaseRecord, 1)
        before = rows(s)
        with pytest.raises(referrals.StaleVersion):
            referrals.submit(s, record, by=sam, version=record.version - 1, case=None,
                             report=ready_report(), bundle=None)
        with pytest.raises(referrals.NotAllowed, match="1 checklist item"):
            referrals.submit(s, record, by=sam, version=record.version, case=None,
                             report=ready_report(False), bundle=None)
        with pytest.raises(referrals.NotAllowed, match="build its bundle first"):
            referrals.submit(s, record, by=sam, version=record.version, case=None,
                             report=ready_report(), bundle=None)
        assert rows(s) == before and record.status == "draft"


def test_a_return_without_reasons_or_a_decision_on_a_draft_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        sam, officer = person(s, "dsl"), person(s, "la_officer")
        record = s.get(CaseRecord, 1)
        before = rows(s)
        with pytest.raises(referrals.NotAllowed, match="it is a draft that has not been sent"):
            referrals.decide(s, record, by=officer, decision="accept")
        record.status = "submitted"
        with pytest.raises(referrals.NotAllowed, match="Give the reasons"):
            referrals.decide(s, record, by=officer, decision="return", reason=" ")
        with pytest.raises(referrals.NotAllowed, match="Only a local authority officer"):
            referrals.decide(s, record, by=sam, decision="accept")
        assert record.status == "submitted" and rows(s) == before
