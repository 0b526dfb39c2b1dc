"""The web app: GOV.UK-style wizard for schools, and the local authority officer's check.

`create_app` is imported lazily so that the command line can load this package without
Flask's start-up cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from referral_builder.config import Config


def create_app(config: dict[str, Any] | None = None, settings: Config | None = None) -> Flask:
    """Build the Flask app; `settings` replace the environment's (`Config.from_env()`) and
    `config` overrides any Flask setting (tests pass their own)."""
    from referral_builder.web.app import build_app

    return build_app(config, settings)
