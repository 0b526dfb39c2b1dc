"""Evidence files and bundles, stored by content hash (SHA-256), on local disk or in S3.

Every caller goes through the `FileStore` API: `put(data) -> sha256`, `get(sha)` (the bytes,
checked against their hash: a damaged file raises `FileDamagedError`, never reaches a user),
`exists`, `delete`, `iterate` (every stored hash, in order) and `size`. Two implementations:

- `LocalFileStore` (the default): instance/files/<sha[:2]>/<sha>, written atomically. A file
  is written to a temporary name in its final folder, flushed and fsynced, then renamed, so a
  crash leaves either the whole file under its final name or a temporary file, which
  `sweep_temporary` removes at start-up. Several workers (or hosts on a shared volume) start
  and stop at different times, so a writer holds an exclusive `flock` on its temporary file
  and the sweep skips files that are locked: only orphans, whose writer died, are removed.
- `S3FileStore`, selected by REFERRAL_BUILDER_STORAGE=s3://bucket/prefix: objects
  <prefix>/<sha[:2]>/<sha> in any S3-compatible server (AWS S3, SeaweedFS, MinIO, Ceph).
  An S3 PUT is atomic (the object appears whole or not at all), so there is nothing to sweep;
  the upload carries Content-MD5, the object's SHA-256 is kept in its metadata, and
  server-side encryption is requested (REFERRAL_BUILDER_S3_SSE, AES256 unless set to `none`).

`Config.storage_settings()` (config.py) gives the store's settings; `open_store` picks the store.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referral_builder.domain.errors import FileDamagedError, FileStoreError

TEMP_PREFIX = ".tmp-"
_SHA = re.compile(r"[0-9a-f]{64}")


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: some file systems refuse)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def durable_replace(tmp: Path, final: Path) -> None:
    """Flush the written file `tmp` to disk, rename it to `final`, make the rename durable."""
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    fsync_dir(final.parent)


def check_sha(sha256: str) -> str:
    if not isinstance(sha256, str) or not _SHA.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


def _verified(sha256: str, data: bytes, where: str) -> bytes:
    if hashlib.sha256(data).hexdigest() != sha256:
        raise FileDamagedError(0, f"{where}: file {sha256[:12]}… does not match its hash "
                                  "(truncated or damaged)")
    return data


class FileStore(ABC):
    """Content-addressed storage; see the module's docstring."""

    #: Shown by `db check --files` and in logs: where the files are.
    description: str = ""

    @abstractmethod
    def put(self, data: bytes) -> str:
        """Store `data` and return its sha256; the file appears whole or not at all."""

    @abstractmethod
    def get(self, sha256: str) -> bytes:
        """The file's bytes, checked against its hash (FileDamagedError when they differ);
        FileNotFoundError when there is no such file."""

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def delete(self, sha256: str) -> bool:
        """Remove the file; False when there was none."""

    @abstractmethod
    def iterate(self) -> Iterator[str]:
        """The sha256 of every stored file, in order."""

    @abstractmethod
    def size(self, sha256: str) -> int: ...

    def sweep_temporary(self) -> int:
        """Remove what a crash mid-write left behind; return how many."""
        return 0

    def temporary_count(self) -> int:
        return 0


class LocalFileStore(FileStore):
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.description = f"local folder {self.root}"

    def path(self, sha256: str) -> Path:
        """Where the file lives on disk (this store's own business: callers use the API)."""
        check_sha(sha256)
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        final = self.path(sha)
        try:
            if final.is_file():
                return sha
            final.parent.mkdir(parents=True, exist_ok=True)
            for attempt in range(3):
                try:
                    self._write(final, data)
                    break
                except FileNotFoundError:
                    # A sweep removed the temporary file in the instant between its creation
                    # and its lock; write it again.
                    if attempt == 2:
                        raise
        except OSError as exc:
            raise FileStoreError(exc.errno, f"cannot write {final.parent}: "
                                            f"{exc.strerror or exc}") from exc
        fsync_dir(final.parent)
        return sha

    @staticmethod
    def _write(final: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # "in use": the sweep leaves it
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
                os.replace(tmp, final)  # while still locked
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def get(self, sha256: str) -> bytes:
        return _verified(sha256, self.path(sha256).read_bytes(), self.description)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> bool:
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def iterate(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/*")):
            if path.is_file() and _SHA.fullmatch(path.name) and path.parent.name == path.name[:2]:
                yield path.name

    def _temporary(self) -> list[Path]:
        return list(self.root.glob(f"*/{TEMP_PREFIX}*")) if self.root.is_dir() else []

    def temporary_count(self) -> int:
        return len(self._temporary())

    def sweep_temporary(self) -> int:
        """Remove temporary files left by a crash mid-write; return how many.

        A temporary file whose writer is alive is locked and left alone, so every worker can
        sweep when it starts without harming another worker's upload in progress.
        """
        count = 0
        for tmp in self._temporary():
            try:
                fd = os.open(tmp, os.O_RDONLY)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live writer holds it
            else:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                    count += 1
            finally:
                os.close(fd)
        return count


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    #: Server-side encryption requested on every PUT: "AES256", "aws:kms" or "" (none).
    sse: str = "AES256"
    kms_key_id: str | None = None

    @classmethod
    def from_url(cls, url: str, **kw: Any) -> S3Settings:
        """`s3://bucket/prefix` plus the other settings."""
        if not url.startswith("s3://"):
            raise ValueError(f"not an s3:// location: {url!r}")
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise ValueError(f"no bucket in {url!r}: write s3://bucket/prefix")
        return cls(bucket=bucket, prefix=prefix.strip("/"), **kw)


class S3FileStore(FileStore):
    def __init__(self, settings: S3Settings, client: Any = None) -> None:
        import boto3
        from botocore.config import Config

        self.settings = settings
        self.bucket = settings.bucket
        self.prefix = f"{settings.prefix}/" if settings.prefix else ""
        self.description = f"s3://{self.bucket}/{settings.prefix}" + (
            f" at {settings.endpoint_url}" if settings.endpoint_url else "")
        self.client = client or boto3.client(
            "s3", endpoint_url=settings.endpoint_url, region_name=settings.region,
            aws_access_key_id=settings.access_key, aws_secret_access_key=settings.secret_key,
            config=Config(retries={"max_attempts": 5, "mode": "standard"},
                          s3={"addressing_style": "path"}, connect_timeout=10,
                          read_timeout=60))

    def key(self, sha256: str) -> str:
        check_sha(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def _error(self, exc: Exception, doing: str) -> FileStoreError:
        return FileStoreError(0, f"{self.description}: cannot {doing}: {exc}")

    def _missing(self, exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, data: bytes) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        sha = hashlib.sha256(data).hexdigest()
        if self.exists(sha):  # content-addressed: the same bytes are stored once
            return sha
        extra: dict[str, Any] = {}
        if self.settings.sse:
            extra["ServerSideEncryption"] = self.settings.sse
            if self.settings.kms_key_id:
                extra["SSEKMSKeyId"] = self.settings.kms_key_id
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha), Body=data,
                                   ContentMD5=md5, Metadata={"sha256": sha},
                                   ContentType="application/octet-stream", **extra)
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "write") from exc
        return sha

    def get(self, sha256: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
            data = body.read()
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(f"{self.description}: no file {sha256}") from exc
            raise self._error(exc, "read") from exc
        except BotoCoreError as exc:
            raise self._error(exc, "read") from exc
        return _verified(sha256, data, self.description)

    def _head(self, sha256: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket,
                                                           Key=self.key(sha256))
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise self._error(exc, "read") from exc
        except BotoCoreError as exc:
            raise self._error(exc, "read") from exc
        return head

    def exists(self, sha256: str) -> bool:
        return self._head(sha256) is not None

    def size(self, sha256: str) -> int:
        head = self._head(sha256)
        if head is None:
            raise FileNotFoundError(f"{self.description}: no file {sha256}")
        return int(head["ContentLength"])

    def delete(self, sha256: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        if not self.exists(sha256):
            return False
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "delete") from exc
        return True

    def iterate(self) -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        found = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for obj in page.get("Contents", ()):
                    rest = obj["Key"][len(self.prefix):]
                    folder, _, name = rest.partition("/")
                    if _SHA.fullmatch(name) and folder == name[:2]:
                        found.append(name)
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "list") from exc
        yield from sorted(found)


def open_store(config: Mapping[str, Any], files_dir: str | Path) -> FileStore:
    """The store `config` (keys of `Config.storage_settings()`) selects: S3 when STORAGE is an
    s3:// location, else the local folder `files_dir`."""
    location = config.get("STORAGE")
    if not location:
        return LocalFileStore(files_dir)
    if not str(location).startswith("s3://"):
        raise ValueError(f"REFERRAL_BUILDER_STORAGE must be s3://bucket/prefix, not "
                         f"{location!r} (leave it unset for the local folder)")
    return S3FileStore(S3Settings.from_url(
        str(location), endpoint_url=config.get("S3_ENDPOINT"), region=config.get("S3_REGION"),
        access_key=config.get("S3_ACCESS_KEY"), secret_key=config.get("S3_SECRET_KEY"),
        sse=config.get("S3_SSE", "AES256") or "", kms_key_id=config.get("S3_KMS_KEY_ID")))
