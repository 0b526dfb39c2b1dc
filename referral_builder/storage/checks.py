"""Health checks on an instance: database integrity, schema revision, file store, and a
digest of every table (used by backups to prove a restore brought back every record)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, func, select, text

from referral_builder.storage.files import (
    FileDamagedError,
    FileStore,
    FileStoreError,
    LocalFileStore,
)


@dataclass
class CheckResult:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(engine: Engine, *, quick: bool = False) -> CheckResult:
    """Run SQLite's integrity_check (or quick_check) and foreign_key_check; on PostgreSQL,
    which checks its own pages, connect and count every table's rows."""
    from referral_builder.storage.migrate import current_revision, head_revision

    result = CheckResult()
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            pragma = "quick_check" if quick else "integrity_check"
            rows = [r[0] for r in conn.exec_driver_sql(f"PRAGMA {pragma}")]
            if rows == ["ok"]:
                result.lines.append(f"{pragma}: ok")
            else:
                result.problems += [f"{pragma}: {r}" for r in rows[:20]]
            fks = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if fks:
                result.problems += [f"foreign_key_check: {tuple(r)}" for r in fks[:20]]
            else:
                result.lines.append("foreign_key_check: ok")
        else:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
            result.lines.append(f"PostgreSQL {version}: connected")
        counts = table_counts(conn)
        result.lines.append(f"tables read: {len(counts)}, rows: {sum(counts.values())}")
    current, head = current_revision(engine), head_revision()
    if current == head:
        result.lines.append(f"schema revision: {current} (current)")
    else:
        result.problems.append(f"schema revision: {current}, expected {head} "
                               "(run `referral-builder db upgrade`)")
    return result


def check_files(engine: Engine, store: FileStore) -> CheckResult:
    """Every stored-file row has its file; every stored file hashes to its name."""
    result = CheckResult()
    with engine.connect() as conn:
        wanted = set(conn.execute(text("SELECT DISTINCT sha256 FROM case_files")).scalars())
    present = set()
    for sha in store.iterate():
        present.add(sha)
        try:
            store.get(sha)  # reads the whole file and checks it against its hash
        except FileDamagedError:
            result.problems.append(f"file {sha[:12]}… does not match its name "
                                   "(truncated or damaged)")
        except (FileNotFoundError, FileStoreError) as exc:
            result.problems.append(f"file {sha[:12]}… cannot be read: {exc}")
    missing = wanted - present
    result.problems += [f"file {sha[:12]}… is missing" for sha in sorted(missing)]
    result.lines.append(f"files ({store.description}): {len(present)} checked, "
                        f"{len(wanted)} referenced, {len(missing)} missing, "
                        f"{store.temporary_count()} temporary")
    return result


def final_files(store: LocalFileStore) -> list[Path]:
    """The files of a local store under their final (hash) names, in a stable order."""
    return [store.path(sha) for sha in store.iterate()]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def table_rows(conn: Connection) -> dict[str, list[list[Any]]]:
    """Every row of every table in the current schema, ordered by primary key."""
    meta = MetaData()
    meta.reflect(bind=conn)
    out = {}
    for name in sorted(meta.tables):
        table = meta.tables[name]
        order = list(table.primary_key.columns) or list(table.columns)
        out[name] = [[_plain(v) for v in row]
                     for row in conn.execute(select(table).order_by(*order))]
    return out


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table in the current schema (reading each table end to end)."""
    meta = MetaData()
    meta.reflect(bind=conn)
    return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in sorted(meta.tables.items())}


def table_digests(conn: Connection) -> dict[str, tuple[int, str]]:
    """Row count and sha256 of the rows, per table."""
    return {name: (len(rows), hashlib.sha256(json.dumps(rows, default=str).encode())
                   .hexdigest())
            for name, rows in table_rows(conn).items()}
