"""`referral-builder worker`: run jobs from procrastinate's queue (PostgreSQL deployments)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("worker", help="run queued jobs (bundle builds, checking uploads, "
                                      "big registers, letter PDFs, sweeps); start any number, "
                                      "on any machine (PostgreSQL only)")
    p.add_argument("--concurrency", type=int, default=1,
                   help="jobs at a time in this process (default 1: builds use a CPU each; "
                        "start one worker per core instead)")
    p.add_argument("--name", default=None, help="the worker's name in logs and job rows")
    p.add_argument("--once", action="store_true",
                   help="retry stalled jobs, run every queued job, then stop")
    p.add_argument("--queue", action="append", dest="queues", metavar="NAME",
                   help="take jobs only from this queue (repeatable; default every queue): "
                        "bundles, work (uploads, registers, letters) or maintenance (sweeps, "
                        "pruning: keep at least one worker on it)")
    p.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    from referral_builder import jobs
    from referral_builder.cli._app import flask_app
    from referral_builder.jobs import queue
    from referral_builder.services import declare_jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s")
    declare_jobs()
    app = flask_app(AUTO_UPGRADE_DB=False)
    if jobs.backend(app) != jobs.PROCRASTINATE:
        print("referral-builder worker needs PostgreSQL (DATABASE_URL=postgresql+psycopg://"
              "...): on SQLite, jobs run inside the web process and no worker is needed",
              file=sys.stderr)
        return 2
    known = queue.queue_names()
    if unknown := sorted(set(args.queues or ()) - set(known)):
        print(f"referral-builder worker: no queue named {', '.join(unknown)} (the queues are "
              f"{', '.join(known)})", file=sys.stderr)
        return 2
    try:
        queue.run_worker(app, concurrency=max(1, args.concurrency), name=args.name,
                         once=args.once, queues=args.queues)
    finally:
        app.extensions["db"].engine.dispose()
    return 0
