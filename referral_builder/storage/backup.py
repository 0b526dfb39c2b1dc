"""Back up an instance (database and evidence files) to one tar file, and restore it.

The archive holds the database (a SQLite copy made with the online backup API, or a
`pg_dump` custom-format dump), every file of the file store under its hash name, and
`manifest.json` last: the sha256 and size of every member, and the row count and a digest of
the rows of every table. Digests and dump come from the same moment: SQLite's are read from
the copy; on PostgreSQL they are read in a repeatable-read transaction whose snapshot is
handed to `pg_dump --snapshot`. The database is copied before the files, and files are never
changed once written, so every file a backed-up row names is in the archive.

The archive is written to a temporary file beside OUT, fsynced, then renamed. A restore
checks every member against the manifest before touching anything, refuses an instance that
holds any record or file unless forced, and afterwards compares every table with the
manifest's digests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from referral_builder import safe_json
from referral_builder.config import child_environment
from referral_builder.domain.errors import BackupError
from referral_builder.storage.checks import sha256_of, table_digests
from referral_builder.storage.files import FileStore, durable_replace

FORMAT = "referral-builder-backup/1"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Summary:
    tables: int
    rows: int
    files: int
    bytes: int


# ---- helpers ------------------------------------------------------------------------------


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: [int(x) for x in p.parts[-3].split(".") if x.isdigit()])
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")


def _pg_args(engine: Engine) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the environment."""
    url = engine.url
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = child_environment()
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    if sslmode := url.query.get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _digests_json(digests: dict[str, tuple[int, str]]) -> dict[str, dict[str, Any]]:
    return {name: {"rows": n, "sha256": sha} for name, (n, sha) in digests.items()}


# ---- backup -------------------------------------------------------------------------------


def backup(engine: Engine, store: FileStore, out: Path) -> Summary:
    """Write the instance's database and files to the tar file `out`, atomically."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="referral-builder-backup-") as work:
        dump, manifest = _dump_database(engine, Path(work))
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            members: dict[str, dict[str, Any]] = {}
            with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
                members[dump.name] = {"sha256": sha256_of(dump), "size": dump.stat().st_size}
                tar.add(dump, arcname=dump.name)
                for sha in store.iterate():
                    content = store.get(sha)  # checked against its hash as it is read
                    arcname = f"files/{sha[:2]}/{sha}"
                    members[arcname] = {"sha256": sha, "size": len(content)}
                    info = tarfile.TarInfo(arcname)
                    info.size = len(content)
                    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
                    info.mode = 0o600
                    tar.addfile(info, io.BytesIO(content))
                manifest["members"] = members
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
                tar.addfile(info, io.BytesIO(data))
            durable_replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    tables = manifest["tables"]
    files = [m for name, m in members.items() if name.startswith("files/")]
    return Summary(len(tables), sum(t["rows"] for t in tables.values()), len(files),
                   out.stat().st_size)


def _dump_database(engine: Engine, work: Path) -> tuple[Path, dict[str, Any]]:
    from referral_builder.storage.migrate import current_revision

    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "revision": current_revision(engine),
    }
    if engine.dialect.name == "sqlite":
        dump = work / "database.sqlite"
        source = sqlite3.connect(_sqlite_path(engine))
        target = sqlite3.connect(dump)
        try:
            source.backup(target)  # a consistent copy, while the app goes on writing
        finally:
            target.close()
            source.close()
        copy = create_engine(f"sqlite:///{dump}", poolclass=NullPool)
        with copy.connect() as conn:
            manifest["tables"] = _digests_json(table_digests(conn))
        copy.dispose()
        manifest["database"] = {"backend": "sqlite", "member": dump.name}
        return dump, manifest
    if engine.dialect.name != "postgresql":
        raise BackupError(f"cannot back up a {engine.dialect.name} database")
    dump = work / "database.pgdump"
    args, env = _pg_args(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
            manifest["tables"] = _digests_json(table_digests(conn))
            _run([_pg_tool("pg_dump"), *args, "--format=custom", f"--schema={schema}",
                  f"--snapshot={snapshot}", "--no-owner", "--no-privileges",
                  f"--file={dump}"], env)
    manifest["database"] = {"backend": "postgresql", "member": dump.name, "schema": schema}
    return dump, manifest


# ---- restore ------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    """Open the archive and check every member against its manifest; return the manifest."""
    try:
        with tarfile.open(archive, "r:") as tar:
            try:
                manifest = safe_json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
            except KeyError:
                raise BackupError(f"{archive} has no {MANIFEST}: not a backup") from None
            except ValueError as exc:
                raise BackupError(f"{archive}: its {MANIFEST} cannot be read: {exc}") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError(f"{archive} is not a {FORMAT} archive")
            if not isinstance(manifest.get("members"), dict) or not isinstance(
                    manifest.get("tables"), dict) or not isinstance(
                    manifest.get("database"), dict):
                raise BackupError(f"{archive}: its {MANIFEST} is damaged (members, tables or "
                                  "database missing)")
            names = {m.name for m in tar.getmembers() if m.isfile()} - {MANIFEST}
            listed = set(manifest["members"])
            if names != listed:
                raise BackupError(f"{archive}: members and manifest differ: "
                                  f"{sorted(names ^ listed)[:5]}")
            for member in tar.getmembers():
                if member.name == MANIFEST:
                    continue
                fh = tar.extractfile(member)
                if fh is None:
                    raise BackupError(f"{archive}: {member.name} is not a file")
                digest = hashlib.sha256()
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
                if digest.hexdigest() != manifest["members"][member.name]["sha256"]:
                    raise BackupError(f"{archive}: {member.name} is damaged (sha256 differs)")
    except (tarfile.TarError, OSError, ValueError, TypeError, KeyError) as exc:
        raise BackupError(f"{archive} cannot be read: {exc}") from None
    return manifest


def is_empty(engine: Engine, store: FileStore) -> bool:
    """No record in any table (the schema version aside) and no stored file."""
    if next(iter(store.iterate()), None) is not None:
        return False
    with engine.connect() as conn:
        digests = table_digests(conn)
    return all(n == 0 for name, (n, _) in digests.items() if name != "alembic_version")


def restore(engine: Engine, store: FileStore, archive: Path, *, force: bool = False) -> Summary:
    """Restore `archive` into the instance of `engine` and `store`; return what it holds.

    Raises BackupError when the archive is damaged, the instance is not empty and `force` is
    not set, the backends differ, or the restored tables differ from the manifest.
    """
    manifest = read_manifest(archive)
    backend = manifest["database"]["backend"]
    if backend != engine.dialect.name:
        raise BackupError(f"the backup is of a {backend} database; this instance uses "
                          f"{engine.dialect.name}")
    if not force and not is_empty(engine, store):
        raise BackupError("this instance already holds records or files; restore into a new "
                          "instance, or use --force to replace them")
    with tempfile.TemporaryDirectory(prefix="referral-builder-restore-") as work, \
            tarfile.open(archive, "r:") as tar:
        member = manifest["database"]["member"]
        dump = Path(work) / member
        with tar.extractfile(member) as src, open(dump, "wb") as dst:  # type: ignore[union-attr]
            shutil.copyfileobj(src, dst)
        if backend == "sqlite":
            _restore_sqlite(engine, dump)
        else:
            _restore_postgres(engine, dump, manifest["database"]["schema"], work=Path(work))
        files = 0
        for info in tar.getmembers():
            if info.name.startswith("files/"):
                _put_file(store, info.name.rsplit("/", 1)[1],
                          tar.extractfile(info).read())  # type: ignore[union-attr]
                files += 1
    with engine.connect() as conn:
        restored = _digests_json(table_digests(conn))
    differ = sorted(name for name, t in manifest["tables"].items() if restored.get(name) != t)
    if differ:
        raise BackupError(f"the restored tables differ from the backup: {', '.join(differ)}")
    tables = manifest["tables"]
    return Summary(len(tables), sum(t["rows"] for t in tables.values()), files,
                   Path(archive).stat().st_size)


def _restore_sqlite(engine: Engine, dump: Path) -> None:
    engine.dispose()  # no pooled connection may hold the old database open
    source = sqlite3.connect(dump)
    target = sqlite3.connect(_sqlite_path(engine), timeout=30)
    try:
        source.backup(target)  # replaces the target's pages under its own lock
    finally:
        target.close()
        source.close()


def _restore_postgres(engine: Engine, dump: Path, schema: str, *, work: Path) -> None:
    with engine.connect() as conn:
        current = conn.exec_driver_sql("SELECT current_schema()").scalar()
        if current is None or current != schema:
            raise BackupError(f"the backup is of schema {schema!r}; this instance uses "
                              f"{current!r}: set its search_path to {schema!r}")
    args, env = _pg_args(engine)
    listing = subprocess.run([_pg_tool("pg_restore"), "--list", str(dump)], env=env,
                             capture_output=True, text=True, check=True).stdout
    # The schema exists already (it is the instance's own): restore what is inside it.
    keep = [line for line in listing.splitlines()
            if not line.startswith(";") and " SCHEMA - " not in line]
    toc = work / "restore.list"
    toc.write_text("\n".join(keep) + "\n")
    # --clean drops the tables a fresh start created (or those --force replaces) and makes
    # them again from the dump, all in one transaction: a failure leaves the instance as it was.
    _run([_pg_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", "--clean", "--if-exists", f"--use-list={toc}", str(dump)],
         env)
    engine.dispose()


def _put_file(store: FileStore, name: str, data: bytes) -> None:
    """Write a file under its hash name (the store writes it whole or not at all)."""
    if store.put(data) != name:
        raise BackupError(f"files/{name[:2]}/{name} does not match its name")
