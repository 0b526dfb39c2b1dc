"""Operations commands: `db check`, `backup`, `restore` and the production `serve`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from referral_builder.cli._app import flask_app


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("backup", help="write the database and evidence files to one tar file")
    p.add_argument("output", help="the archive to write, e.g. backup-2026-11-23.tar")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into a new, empty instance")
    p.add_argument("archive")
    p.add_argument("--force", action="store_true",
                   help="replace the records of an instance that is not empty")
    p.set_defaults(func=cmd_restore)


def cmd_db_check(args: argparse.Namespace) -> int:
    """Check the database (and with --files the file store); exit 1 on any problem."""
    from sqlalchemy.exc import DBAPIError

    from referral_builder.storage.checks import CheckResult, check_database, check_files

    app = flask_app(AUTO_UPGRADE_DB=False)
    db, store = app.extensions["db"], app.extensions["files"]
    try:
        results = [check_database(db.engine, quick=args.quick)]
    except DBAPIError as exc:  # too damaged to open or read
        results = [CheckResult(problems=[f"database: {exc.orig}"])]
    if args.files:
        try:
            results.append(check_files(db.engine, store))
        except DBAPIError as exc:
            results.append(CheckResult(problems=[f"files: cannot read case_files: {exc.orig}"]))
    for result in results:
        for line in result.lines:
            print(line)
        for problem in result.problems:
            print(f"PROBLEM: {problem}", file=sys.stderr)
    ok = all(r.ok for r in results)
    print("Database check: ok" if ok else "Database check: FAILED")
    db.engine.dispose()
    return 0 if ok else 1


def cmd_backup(args: argparse.Namespace) -> int:
    from referral_builder.storage.backup import BackupError, backup

    app = flask_app()
    started = time.monotonic()
    try:
        summary = backup(app.extensions["db"].engine, app.extensions["files"],
                         Path(args.output))
    except BackupError as exc:
        print(f"referral-builder: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {args.output}: {summary.tables} tables, {summary.rows} rows, "
          f"{summary.files} files, {summary.bytes / 1e6:.1f} MB in "
          f"{time.monotonic() - started:.1f}s")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from referral_builder.storage.backup import BackupError, restore
    from referral_builder.storage.migrate import upgrade

    app = flask_app()
    engine = app.extensions["db"].engine
    try:
        summary = restore(engine, app.extensions["files"], Path(args.archive),
                          force=args.force)
    except BackupError as exc:
        print(f"referral-builder: {exc}", file=sys.stderr)
        return 2
    upgrade(engine)  # a backup made by an older release
    print(f"Restored {args.archive}: {summary.tables} tables and {summary.rows} rows match the "
          f"backup; {summary.files} files, each matching its sha256")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.dev:
        app = flask_app()
        app.run(host=args.host, port=args.port)
        return 0
    from referral_builder.cli.server import serve

    serve(args.host, args.port, args.workers, args.threads)
    return 0
