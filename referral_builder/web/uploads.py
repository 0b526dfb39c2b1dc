"""One upload limit, stated the same way everywhere, with an inline error on the same page.

A file over the limit is stopped in the browser before it is sent (static/app.mjs reads the
same figure from `data-upload-limit`), so the form keeps what was typed. Without JavaScript,
a file over the limit is refused by the server: a file up to the request limit gets an inline
error from the form's own check, and a larger request (413, its body unread) is sent back to
the same page with `?too_big=1`, which shows the same inline error on the file field.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request
from werkzeug.wrappers import Response

from referral_builder.forms.fields import TOO_BIG, UPLOAD_LIMIT_BYTES

__all__ = ["TOO_BIG", "UPLOAD_LIMIT_BYTES", "flag", "too_big_redirect"]


def too_big_redirect() -> Response | None:
    """For a refused upload POST: back to the same page, to show the error there."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.method == "POST" and request.mimetype == "multipart/form-data" and limit \
            and (request.content_length or 0) > limit:
        return redirect(f"{request.path}?too_big=1", 303)
    return None


def flag(field: Any) -> None:
    """Show the too-big error on `field` after a refused upload (or a file over the limit)."""
    if request.method == "GET" and request.args.get("too_big"):
        field.errors = [TOO_BIG]
