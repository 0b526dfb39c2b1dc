"""Retention: finished referrals older than their authority's period go, with their files
(unless another case uses the same file), each deletion audited; --dry-run changes nothing."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from referral_builder.cli import main
from referral_builder.cli import security as security_commands
from referral_builder.services import demo
from referral_builder.storage.models import (
    AuditEntry,
    Authority,
    CaseRecord,
    StoredFile,
    Submission,
)
from tests.web.conftest import make_app

NOW = dt.datetime(2027, 6, 1, 12, 0)
LONG_AGO = dt.datetime(2026, 1, 1)
LATELY = dt.datetime(2027, 5, 20)


@pytest.fixture
def world(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Walsall keeps 90 days. Cases: 2 accepted long ago, 3 returned long ago but decided
    lately, 4 submitted long ago, 5 accepted long ago sharing a file with 4; case 1 a draft."""
    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "test")
    app = make_app(tmp_path)
    store = app.extensions["files"]
    shas = {}
    with app.extensions["db"].writing() as s:
        walsall = s.scalar(select(Authority).where(Authority.slug == "walsall"))
        walsall.retention_days = 90
        s.get(CaseRecord, 1).updated_at = LONG_AGO
        for n, status in ((2, "accepted"), (3, "returned"), (4, "submitted"), (5, "accepted")):
            s.add(CaseRecord(id=n, reference=f"RT-{n}", school_id=1, authority_id=walsall.id,
                             status=status, updated_at=LONG_AGO, submitted_at=LONG_AGO,
                             data=json.dumps(demo.demo_case(f"RT-{n}", dt.date(2026, 1, 1)))))
        s.flush()
        shas["own"] = store.put(b"%PDF-1.4 case 2 only")
        shas["shared"] = store.put(b"%PDF-1.4 cases 4 and 5")
        for case_id, key in ((2, "own"), (4, "shared"), (5, "shared")):
            s.add(StoredFile(case_id=case_id, kind="evidence", doc_id="d1", sha256=shas[key],
                             filename="x.pdf", media_type="application/pdf", size=1))
        s.add(Submission(case_id=2, action="accepted", user_id=1, name="Jo", at=LONG_AGO))
        s.add(Submission(case_id=3, action="returned", user_id=1, name="Jo", at=LATELY))
    return app, store, shas


def run(args: list[str]) -> int:
    """The retention command as of NOW (the command line itself uses the clock)."""
    return security_commands.cmd_retention(
        argparse.Namespace(dry_run="--dry-run" in args), now=NOW)


def remaining(app) -> list[int]:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return list(s.scalars(select(CaseRecord.id).order_by(CaseRecord.id)))


def test_a_dry_run_lists_the_expired_cases_and_changes_nothing(world, capsys) -> None:  # type: ignore[no-untyped-def]
    app, store, shas = world
    assert run(["--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would delete RT-2" in out and "would delete RT-5" in out
    assert "RT-3" not in out and "RT-4" not in out
    assert "2 cases would be deleted" in out
    assert remaining(app) == [1, 2, 3, 4, 5]
    assert store.exists(shas["own"])


def test_expired_cases_and_their_unshared_files_are_deleted_and_audited(world, capsys) -> None:  # type: ignore[no-untyped-def]
    app, store, shas = world
    assert run([]) == 0
    assert "Deleted 2 cases and 1 stored files" in capsys.readouterr().out
    # 1 is a draft, 3 was decided lately, 4 is still with the LA
    assert remaining(app) == [1, 3, 4]
    assert not store.exists(shas["own"])
    assert store.exists(shas["shared"])  # case 4 still uses it
    with app.extensions["db"].session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "retention_delete")
                         .order_by(AuditEntry.case_id)).all()
        assert [(r.case_id, r.outcome) for r in rows] == [(2, "done"), (5, "done")]
        assert rows[0].detail == \
            "reference RT-2; authority walsall; last changed 2026-01-01; 1 files"
        assert s.scalar(select(func.count()).select_from(Submission)
                        .where(Submission.case_id == 2)) == 0
        assert s.scalar(select(func.count()).select_from(StoredFile)
                        .where(StoredFile.case_id.in_((2, 5)))) == 0


def test_an_authority_without_a_period_keeps_everything(world) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = world
    assert main(["set-retention", "walsall", "forever"]) == 0
    assert run([]) == 0
    assert remaining(app) == [1, 2, 3, 4, 5]


def test_the_period_is_set_per_authority_from_the_command_line(world, capsys) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = world
    assert main(["set-retention", "walsall", "730"]) == 0
    assert "kept for 730 days" in capsys.readouterr().out
    assert run([]) == 0
    assert remaining(app) == [1, 2, 3, 4, 5]  # 2026-01-01 is within 730 days of NOW
    assert main(["set-retention", "walsall", "-3"]) == 2
    assert "whole number of 1 or more" in capsys.readouterr().err


def test_the_command_is_wired_into_the_cli(world, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["retention", "--dry-run"]) == 0
    assert "nothing was changed" in capsys.readouterr().out


def test_the_nightly_command_also_prunes_old_job_rows_and_used_form_tokens(world, capsys) -> None:  # type: ignore[no-untyped-def]
    """On the embedded deployment no worker prunes nightly: the retention command (cron) does."""
    from referral_builder.storage.models import BundleJob, FormToken, WorkJob, utcnow

    app, _store, _shas = world
    month_ago, yesterday = utcnow() - dt.timedelta(days=30), utcnow() - dt.timedelta(days=1)
    with app.extensions["db"].writing() as s:
        for token, at in (("old-form", month_ago), ("new-form", yesterday)):
            s.add(FormToken(token=token, user_id=1, case_id=1, redirect_to="/cases/1", at=at))
        for at in (month_ago, yesterday):
            s.add(WorkJob(kind="event_attachment", case_id=1, state="done", created_at=at))
        s.add(BundleJob(case_id=1, case_version=1, state="done", created_at=month_ago))
        s.add(BundleJob(case_id=1, case_version=2, state="done", created_at=month_ago))
    assert run([]) == 0
    assert "Pruned 3 finished job rows and used form tokens older than 14 days" in \
        capsys.readouterr().out
    with app.extensions["db"].session() as s:
        assert list(s.scalars(select(FormToken.token))) == ["new-form"]
        assert list(s.scalars(select(WorkJob.created_at))) == [yesterday]
        # a case's latest build is kept, however old: its status page shows it
        assert list(s.scalars(select(BundleJob.case_version))) == [2]
