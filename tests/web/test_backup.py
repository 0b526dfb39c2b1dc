"""Backup and restore: a restore into a clean instance brings back every record and every
file (on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set); `db check` finds damage."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest

from referral_builder.cli import main
from referral_builder.storage.checks import table_rows
from referral_builder.storage.models import AuditEntry, BundleJob, StoredFile, utcnow
from referral_builder.web import create_app
from tests import database, object_store
from tests.web.conftest import make_app


@pytest.fixture
def source(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """An instance with the demo accounts and case, two evidence files and a bundle job."""
    app = make_app(tmp_path / "a")
    store = app.extensions["files"]
    with app.extensions["db"].writing() as s:
        for n, content in enumerate((b"%PDF-1.7 letter", "Ŵyn’s note".encode()), start=1):
            s.add(StoredFile(case_id=1, kind="evidence", doc_id=f"d{n}",
                             sha256=store.put(content), filename=f"d{n}.pdf",
                             media_type="application/pdf", size=len(content)))
        s.add(BundleJob(case_id=1, case_version=1, state="failed", step="Merging",
                        error="stopped", worker="host:1", created_at=utcnow()))
        s.add(AuditEntry(user_id=1, action="view_case", case_id=1, detail="test"))
    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", app.instance_path)
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "test")
    if database.on_postgres():
        monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    for name, value in (object_store.env_for_instance(app.instance_path) or {}).items():
        monkeypatch.setenv(name, value)
    return app


def contents(app) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """Every row of every table, and the sha256 of every stored file by its name."""
    with app.extensions["db"].engine.connect() as conn:
        rows = table_rows(conn)
    store = app.extensions["files"]
    return rows, {sha: hashlib.sha256(store.get(sha)).hexdigest() for sha in store.iterate()}


def clean_instance(tmp_path: Path, source, monkeypatch):  # type: ignore[no-untyped-def]
    """A new instance folder; on PostgreSQL an empty schema of the backed-up one's name."""
    if database.on_postgres():
        database.move_aside(source.config["DATABASE_URL"])
    instance = tmp_path / "b" / "instance"
    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(instance))
    for name, value in (object_store.env_for_instance(instance) or {}).items():
        monkeypatch.setenv(name, value)  # an empty prefix of its own on S3
    return instance


def test_a_restore_into_a_clean_instance_brings_back_every_record_and_file(
        source, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    rows, files = contents(source)
    archive = tmp_path / "backup.tar"
    assert main(["backup", str(archive)]) == 0
    assert "2 files" in capsys.readouterr().out
    instance = clean_instance(tmp_path, source, monkeypatch)
    assert main(["restore", str(archive)]) == 0
    assert "2 files, each matching its sha256" in capsys.readouterr().out
    restored = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "test",
                           "DATABASE_URL": source.config["DATABASE_URL"]}
                          if database.on_postgres() else
                          {"INSTANCE_PATH": str(instance), "SECRET_KEY": "test"})
    restored_rows, restored_files = contents(restored)
    assert restored_rows.keys() == rows.keys()
    for table in rows:
        assert restored_rows[table] == rows[table], table
    assert restored_files == files
    assert all(name == sha for name, sha in restored_files.items())
    assert sum(len(r) for r in rows.values()) > 10 and len(files) == 2


def test_a_restore_refuses_an_instance_that_holds_records(source, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "backup.tar"
    assert main(["backup", str(archive)]) == 0
    assert main(["restore", str(archive)]) == 2
    assert "already holds records" in capsys.readouterr().err
    assert main(["restore", str(archive), "--force"]) == 0


def test_a_damaged_backup_is_refused_before_anything_is_touched(
        source, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "backup.tar"
    assert main(["backup", str(archive)]) == 0
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("files/"))
    data = bytearray(archive.read_bytes())
    data[member.offset_data] ^= 0xFF
    archive.write_bytes(bytes(data))
    clean_instance(tmp_path, source, monkeypatch)
    assert main(["restore", str(archive)]) == 2
    assert "is damaged" in capsys.readouterr().err


def test_the_check_passes_on_a_sound_instance(source, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["db", "check", "--files"]) == 0
    out = capsys.readouterr().out
    assert "2 checked, 2 referenced, 0 missing" in out
    assert "Database check: ok" in out


def test_the_check_finds_a_truncated_file(source, capsys) -> None:  # type: ignore[no-untyped-def]
    store = source.extensions["files"]
    sha = next(iter(store.iterate()))
    object_store.damage(store, sha, store.get(sha)[:-3])
    assert main(["db", "check", "--files"]) == 1
    assert "does not match its name" in capsys.readouterr().err


@pytest.mark.skipif(database.on_postgres(), reason="SQLite's own integrity check")
def test_the_check_finds_a_damaged_sqlite_database(source, capsys) -> None:  # type: ignore[no-untyped-def]
    source.extensions["db"].engine.dispose()
    path = Path(source.instance_path) / "referral-builder.sqlite"
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, len(data), 4096):  # scribble on every page's header
        data[offset:offset + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    assert main(["db", "check", "--quick"]) == 1
    assert "PROBLEM" in capsys.readouterr().err
