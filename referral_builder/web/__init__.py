"""The web app: GOV.UK-style wizard for schools, and the local authority officer's check.

`create_app` is imported lazily so that the command line can load this package without
Flask's start-up cost.
"""

from __future__ import annotations

from typing import Any


def create_app(config: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    """Build the Flask app; `config` overrides the defaults (tests pass their own)."""
    from referral_builder.web.app import build_app

    return build_app(config)
