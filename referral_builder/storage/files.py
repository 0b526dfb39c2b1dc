"""Evidence files stored by content hash: instance/files/<sha[:2]>/<sha>, written atomically.

A file is written to a temporary name in its final folder, flushed and fsynced, then renamed,
so a crash leaves either the whole file under its final name or a temporary file, which
`sweep_temporary` removes at start-up. Several workers (or hosts on a shared volume) start
and stop at different times, so a writer holds an exclusive `flock` on its temporary file
and the sweep skips files that are locked: only orphans, whose writer died, are removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

from referral_builder.domain.errors import FileStoreError

TEMP_PREFIX = ".tmp-"


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


class FileStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` and return its sha256; the file appears whole or not at all."""
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
        return self.path(sha256).read_bytes()

    def sweep_temporary(self) -> int:
        """Remove temporary files left by a crash mid-write; return how many.

        A temporary file whose writer is alive is locked and left alone, so every worker can
        sweep when it starts without harming another worker's upload in progress.
        """
        if not self.root.is_dir():
            return 0
        count = 0
        for tmp in self.root.glob(f"*/{TEMP_PREFIX}*"):
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
