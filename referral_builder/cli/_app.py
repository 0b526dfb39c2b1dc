"""The one place the command line makes the web app (and so the database and the file store).

Imported only inside commands that need it: Flask and SQLAlchemy load when such a command runs,
so `referral-builder check` stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def flask_app(**config: Any) -> Flask:
    from referral_builder.web import create_app

    return create_app(config or None)
