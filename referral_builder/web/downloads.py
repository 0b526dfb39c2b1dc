"""File downloads: always an attachment, with a generated RFC 6266 filename."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response


def attachment(data: bytes, filename: str, media_type: str) -> Response:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "download"
    resp = Response(data, mimetype=media_type)
    resp.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    resp.headers["Content-Length"] = str(len(data))
    return resp
