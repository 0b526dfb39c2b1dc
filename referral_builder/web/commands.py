"""`referral-builder` subcommands for the web app: db, create-*, demo, serve.

Only argparse is imported here; Flask and the database load when a command runs, so
`referral-builder check` stays quick.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("db", help="database schema: `db upgrade`")
    p.add_argument("action", choices=("upgrade",))
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
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("disable-user", help="stop a user signing in; ends their sessions")
    p.add_argument("email")
    p.set_defaults(func=cmd_disable_user)
    p = sub.add_parser("demo", help="create a demo LA, school, users and case; print how to "
                                    "sign in")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("serve", help="run the web app (development server)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.set_defaults(func=cmd_serve)


def _app():  # type: ignore[no-untyped-def]
    from referral_builder.web import create_app

    return create_app()


def cmd_db(args: argparse.Namespace) -> int:
    from referral_builder.storage.migrate import upgrade

    app = _app()
    upgrade(app.extensions["db"].engine)
    print(f"Database is up to date: {app.config['DATABASE_URL']}")
    return 0


def cmd_create_authority(args: argparse.Namespace) -> int:
    from referral_builder.web import accounts

    with _app().extensions["db"].writing() as s:
        accounts.create_authority(s, args.slug, args.name)
    print(f"Created authority {args.slug}")
    return 0


def cmd_create_school(args: argparse.Namespace) -> int:
    from referral_builder.web import accounts

    with _app().extensions["db"].writing() as s:
        accounts.create_school(s, args.name, args.authority, urn=args.urn,
                               head_teacher=args.head_teacher, address=args.address)
    print(f"Created school {args.name}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from referral_builder.web import accounts

    password = os.environ.get("REFERRAL_BUILDER_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < 10:
        print("referral-builder: the password must be at least 10 characters", file=sys.stderr)
        return 2
    with _app().extensions["db"].writing() as s:
        accounts.create_user(s, args.email, args.name, args.role, password,
                             school=args.school, authority=args.authority)
    print(f"Created user {args.email} ({args.role})")
    return 0


def cmd_disable_user(args: argparse.Namespace) -> int:
    from referral_builder.web import accounts

    with _app().extensions["db"].writing() as s:
        accounts.disable_user(s, args.email)
    print(f"Disabled {args.email}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from referral_builder.web import demo

    app = _app()
    with app.extensions["db"].writing() as s:
        lines = demo.create(s, app.extensions["files"],
                            require_totp=app.config["REQUIRE_TOTP"])
    print("\n".join(lines))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    app = _app()
    app.run(host=args.host, port=args.port)
    return 0
