"""Backup and restore figures: an instance with many cases, files and audit rows is backed up,
restored into a clean instance, and every table and file compared.

    .venv/bin/python bench/bench_backup.py [--cases 1000] [--files 500] [--file-kb 64]
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_backup.py

On PostgreSQL the source lives in a schema of its own, which is then renamed out of the way so
the restore goes into a clean schema of the same name; both are dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, select
from sqlalchemy.pool import NullPool

from referral_builder.services import demo
from referral_builder.storage.backup import backup, restore
from referral_builder.storage.checks import final_files, sha256_of, table_rows
from referral_builder.storage.models import AuditEntry, CaseRecord, StoredFile
from referral_builder.web import create_app


def fill(app, cases: int, files: int, file_kb: int) -> None:  # type: ignore[no-untyped-def]
    store = app.extensions["files"]
    with app.extensions["db"].writing() as s:
        demo.create(s, store, today=dt.date(2026, 11, 20))
    with app.extensions["db"].writing() as s:
        first = s.scalar(select(CaseRecord).order_by(CaseRecord.id))
        data = json.loads(first.data)
        for n in range(cases):
            data["reference"] = f"BENCH-{n:05d}"
            s.add(CaseRecord(reference=data["reference"], school_id=first.school_id,
                             authority_id=first.authority_id, data=json.dumps(data)))
        s.flush()
        ids = list(s.scalars(select(CaseRecord.id)))
        for n in range(files):
            content = os.urandom(file_kb * 1024)
            s.add(StoredFile(case_id=ids[n % len(ids)], kind="evidence", doc_id=f"b{n}",
                             sha256=store.put(content), filename=f"b{n}.pdf",
                             media_type="application/pdf", size=len(content)))
        for n in range(cases * 4):
            s.add(AuditEntry(user_id=1, action="view_case", case_id=ids[n % len(ids)]))


def contents(app: Any) -> tuple[Any, dict[str, str]]:
    with app.extensions["db"].engine.connect() as conn:
        rows = table_rows(conn)
    return rows, {p.name: sha256_of(p) for p in final_files(app.extensions["files"])}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--file-kb", type=int, default=64)
    args = ap.parse_args()
    base = os.environ.get("DATABASE_URL")
    schema = f"bench_backup_{os.getpid()}"
    admin = create_engine(base, poolclass=NullPool) if base else None
    url = None
    if admin is not None and base:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}) \
            .render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = {"SECRET_KEY": "bench", **({"DATABASE_URL": url} if url else {})}
            source = create_app({"INSTANCE_PATH": f"{tmp}/a", **config})
            fill(source, args.cases, args.files, args.file_kb)
            rows, files = contents(source)
            started = time.monotonic()
            summary = backup(source.extensions["db"].engine, source.extensions["files"],
                             Path(tmp) / "backup.tar")
            took_backup = time.monotonic() - started
            source.extensions["db"].engine.dispose()
            if admin is not None:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'ALTER SCHEMA "{schema}" RENAME TO "{schema}_a"')
                    conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            target = create_app({"INSTANCE_PATH": f"{tmp}/b", **config})
            started = time.monotonic()
            restore(target.extensions["db"].engine, target.extensions["files"],
                    Path(tmp) / "backup.tar")
            took_restore = time.monotonic() - started
            restored_rows, restored_files = contents(target)
            target.extensions["db"].engine.dispose()
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}_a" CASCADE')
            admin.dispose()
    same_tables = sum(restored_rows.get(t) == r for t, r in rows.items())
    same_files = sum(restored_files.get(n) == h == n for n, h in files.items())
    backend = "PostgreSQL" if base else "SQLite"
    print(f"{backend}: {summary.tables} tables, {summary.rows} rows, {summary.files} files, "
          f"{summary.bytes / 1e6:.1f} MB archive")
    print(f"  backup  {took_backup:.2f}s   restore (with checks) {took_restore:.2f}s")
    print(f"  tables matching {same_tables}/{len(rows)}   "
          f"files matching {same_files}/{len(files)}")
    return 0 if same_tables == len(rows) and same_files == len(files) else 1


if __name__ == "__main__":
    sys.exit(main())
