"""`referral-builder` subcommands for retention (set-retention, retention [--dry-run]) and
accounts (reset-password)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from referral_builder.config import Config
from referral_builder.domain.errors import RetentionError


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("set-retention", help="how long an authority's finished referrals are "
                                             "kept: a number of days, or 'forever'")
    p.add_argument("authority", help="the authority's checklist id, e.g. walsall")
    p.add_argument("days", help="days after the last change, or 'forever'")
    p.set_defaults(func=cmd_set_retention)
    p = sub.add_parser("retention", help="delete accepted and returned referrals older than "
                                         "their authority's retention period")
    p.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")
    p.set_defaults(func=cmd_retention)
    p = sub.add_parser("reset-password", help="give a user a temporary password (from "
                                              "REFERRAL_BUILDER_PASSWORD or asked for) that "
                                              "they must change at their next sign-in")
    p.add_argument("email")
    p.add_argument("--second-factor", action="store_true",
                   help="also clear their authenticator app and recovery codes (a lost "
                        "phone): they set up a new one at their next sign-in")
    p.set_defaults(func=cmd_reset_password)


def cmd_reset_password(args: argparse.Namespace) -> int:
    import getpass

    from referral_builder import accounts
    from referral_builder.cli._app import flask_app

    password = Config.from_env().password or getpass.getpass(
        "Temporary password (12 characters or more): ")
    with flask_app().extensions["db"].writing() as s:
        accounts.reset_password(s, args.email, password, second_factor=args.second_factor)
    print(f"Reset {args.email}: their sessions have ended and they must choose a new password "
          f"at their next sign-in" + (", then set up their authenticator app again"
                                      if args.second_factor else ""))
    return 0


def _days(text: str) -> int | None:
    if text.lower() == "forever":
        return None
    if not text.isdigit() or int(text) < 1:
        raise RetentionError(f"days must be a whole number of 1 or more, or 'forever', "
                             f"not {text!r}")
    return int(text)


def cmd_set_retention(args: argparse.Namespace) -> int:
    from referral_builder import accounts
    from referral_builder.cli._app import flask_app

    days = _days(args.days)
    with flask_app().extensions["db"].writing() as s:
        accounts.find_authority(s, args.authority).retention_days = days
    print(f"{args.authority}: finished referrals are kept "
          f"{'forever' if days is None else f'for {days} days after their last change'}")
    return 0


def cmd_retention(args: argparse.Namespace, now: dt.datetime | None = None) -> int:
    from referral_builder.cli._app import flask_app
    from referral_builder.jobs import tasks as job_tasks
    from referral_builder.services import declare_jobs
    from referral_builder.storage import retention
    from referral_builder.storage.models import utcnow

    app = flask_app()
    db, store = app.extensions["db"], app.extensions["files"]
    with db.session(write=not args.dry_run) as s:
        expired = retention.find_expired(s, now or utcnow())
        for e in expired:
            print(f"{'would delete' if args.dry_run else 'deleting'} {e.reference} "
                  f"({e.authority}, last changed {e.last_change:%Y-%m-%d}, "
                  f"{len(e.files)} files)")
        if args.dry_run:
            print(f"Dry run: {len(expired)} cases would be deleted; nothing was changed")
            return 0
        removed = retention.purge(s, store, expired)
    print(f"Deleted {len(expired)} cases and {removed} stored files")
    # The embedded deployment has no workers to prune nightly: this command (run by cron) does.
    declare_jobs()
    pruned = job_tasks.prune_all(app, job_tasks.KEEP_FINISHED)
    print(f"Pruned {pruned} finished job rows and used form tokens older than "
          f"{job_tasks.KEEP_FINISHED.days} days")
    return 0
