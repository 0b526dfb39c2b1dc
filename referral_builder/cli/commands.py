"""`referral-builder` subcommands for the web app: db, create-*, demo, serve, backup, restore.

Only argparse is imported here; Flask and the database load when a command runs, so
`referral-builder check` stays quick.
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from referral_builder.cli import ops as ops_commands
from referral_builder.cli._app import flask_app
from referral_builder.config import Config


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("db", help="database: `db upgrade` the schema, `db check` its integrity")
    p.add_argument("action", choices=("upgrade", "check"))
    p.add_argument("--quick", action="store_true", help="check: SQLite quick_check only")
    p.add_argument("--files", action="store_true",
                   help="check: also hash every evidence file against its name")
    p.set_defaults(func=cmd_db)
    p = sub.add_parser("create-authority", help="add a local authority (its checklist id)")
    p.add_argument("slug", help="the checklist id, e.g. walsall")
    p.add_argument("name", help='e.g. "Walsall Council"')
    p.set_defaults(func=cmd_create_authority)
    p = sub.add_parser("create-school", help="add a school")
    p.add_argument("name")
    p.add_argument("--authority", required=True, help="the authority's checklist id")
    p.add_argument("--urn", default="")
    p.add_argument("--head-teacher", default="")
    p.add_argument("--address", default="")
    p.set_defaults(func=cmd_create_school)
    p = sub.add_parser("create-user", help="add a user (password from REFERRAL_BUILDER_PASSWORD "
                                           "or asked for)")
    p.add_argument("email")
    p.add_argument("name")
    p.add_argument("--role", required=True,
                   choices=("school_staff", "dsl", "la_officer", "admin"))
    p.add_argument("--school", help="school name (school staff and DSLs)")
    p.add_argument("--authority", help="authority checklist id (LA officers)")
    p.add_argument("--temporary", action="store_true",
                   help="the user must choose a new password at first sign-in")
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("disable-user", help="stop a user signing in; ends their sessions")
    p.add_argument("email")
    p.set_defaults(func=cmd_disable_user)
    p = sub.add_parser("demo", help="create a demo LA, school, users and case; print how to "
                                    "sign in")
    p.add_argument("--host", default="127.0.0.1", help="the address `serve` will listen on")
    p.add_argument("--port", type=int, default=5000, help="the port `serve` will listen on")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("serve", help="run the web app: gunicorn with several workers")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    p.add_argument("--dev", action="store_true",
                   help="Flask's single-process development server instead")
    p.set_defaults(func=ops_commands.cmd_serve)
    ops_commands.add_parsers(sub)  # backup, restore
    from referral_builder.cli import worker as jobs_commands

    jobs_commands.add_parsers(sub)  # worker
    from referral_builder.cli import security as security_commands

    security_commands.add_parsers(sub)  # set-retention, retention


def cmd_db(args: argparse.Namespace) -> int:
    if args.action == "check":
        return ops_commands.cmd_db_check(args)
    from referral_builder.storage.migrate import upgrade

    app = flask_app()
    upgrade(app.extensions["db"].engine)
    print(f"Database is up to date: {app.config['DATABASE_URL']}")
    return 0


def cmd_create_authority(args: argparse.Namespace) -> int:
    from referral_builder import accounts

    with flask_app().extensions["db"].writing() as s:
        accounts.create_authority(s, args.slug, args.name)
    print(f"Created authority {args.slug}")
    return 0


def cmd_create_school(args: argparse.Namespace) -> int:
    from referral_builder import accounts

    with flask_app().extensions["db"].writing() as s:
        accounts.create_school(s, args.name, args.authority, urn=args.urn,
                               head_teacher=args.head_teacher, address=args.address)
    print(f"Created school {args.name}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from referral_builder import accounts

    password = Config.from_env().password or getpass.getpass(
        "Password (12 characters or more; three random words work well): ")
    with flask_app().extensions["db"].writing() as s:
        accounts.create_user(s, args.email, args.name, args.role, password,
                             school=args.school, authority=args.authority,
                             temporary=args.temporary)
    print(f"Created user {args.email} ({args.role})")
    return 0


def cmd_disable_user(args: argparse.Namespace) -> int:
    from referral_builder import accounts

    with flask_app().extensions["db"].writing() as s:
        accounts.disable_user(s, args.email)
    print(f"Disabled {args.email}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from referral_builder.services import demo

    app = flask_app()
    with app.extensions["db"].writing() as s:
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        lines = demo.create(s, app.extensions["files"],
                            require_totp=app.config["REQUIRE_TOTP"],
                            url=f"http://{host}:{args.port}")
    print("\n".join(lines))
    return 0
