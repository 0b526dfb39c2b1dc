"""The file store: atomic writes by content hash, and the start-up sweep of orphaned temporary
files that leaves a live writer's file alone."""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path

from referral_builder.storage.files import TEMP_PREFIX, LocalFileStore


def test_a_file_is_stored_under_its_hash_and_read_back(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    sha = store.put(b"evidence")
    assert sha == hashlib.sha256(b"evidence").hexdigest()
    assert store.get(sha) == b"evidence"
    assert store.path(sha).parent.name == sha[:2]
    assert not list(tmp_path.glob(f"*/{TEMP_PREFIX}*"))


def test_an_orphaned_temporary_file_is_swept(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    sha = store.put(b"kept")
    orphan = store.path(sha).parent / f"{TEMP_PREFIX}abc123"
    orphan.write_bytes(b"half a fi")
    assert store.sweep_temporary() == 1
    assert not orphan.exists()
    assert store.get(sha) == b"kept"


def test_a_temporary_file_being_written_is_not_swept(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    (tmp_path / "ab").mkdir()
    busy = tmp_path / "ab" / f"{TEMP_PREFIX}busy"
    with open(busy, "wb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # as FileStore.put holds it while writing
        assert store.sweep_temporary() == 0
        assert busy.exists()
    assert store.sweep_temporary() == 1  # its writer is gone: now it is an orphan


def test_a_put_whose_temporary_file_was_swept_is_written_again(tmp_path: Path,
                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = LocalFileStore(tmp_path)
    real_replace = os.replace
    calls = []

    def replace_after_a_sweep(src, dst):  # type: ignore[no-untyped-def]
        calls.append(src)
        if len(calls) == 1:
            os.unlink(src)  # what a sweep racing the lock would do
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_after_a_sweep)
    sha = store.put(b"retried")
    assert len(calls) == 2
    assert store.get(sha) == b"retried"
