"""GOV.UK Frontend's CSS, JS, fonts and images at /assets, with Arial in place of GDS Transport.

A school or LA is not a central government service: the service uses the design system's
components but not the GOV.UK typeface, so the stylesheet is served with the font stack
rewritten to Arial and the GDS Transport @font-face rules removed.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

from referral_builder.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]

bp = Blueprint("assets", __name__)
_FONT_FACE = re.compile(r"@font-face\{[^}]*GDS Transport[^}]*\}")
_STACK = re.compile(r"font-family:\s*\"?GDS Transport\"?,\s*arial,\s*sans-serif")


def assets_dir() -> Path:
    """Where GOV.UK Frontend's dist/govuk/ is (installed by `npm ci`)."""
    env = Config.from_env().govuk_frontend_dir
    return Path(env) if env else REPO_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"


@cache
def _stylesheet(path: Path) -> bytes:
    css = path.read_text(encoding="utf-8")
    css = _FONT_FACE.sub("", css)
    css = _STACK.sub("font-family:arial,sans-serif", css)
    css = css.replace("font-family:GDS Transport", "font-family:arial")
    return css.encode("utf-8")


@bp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    root = assets_dir()
    if filename == "govuk-frontend.min.css":
        path = root / filename
        if not path.is_file():
            abort(404)
        resp = Response(_stylesheet(path), mimetype="text/css")
    elif filename in ("govuk-frontend.min.js", "govuk-frontend.min.js.map"):
        resp = send_from_directory(root, filename, mimetype="text/javascript")
    else:
        resp = send_from_directory(root / "assets", filename)
    resp.headers["Cache-Control"] = "public, max-age=86400"
    resp.headers["X-Cache-Control-Set"] = "1"
    return resp
