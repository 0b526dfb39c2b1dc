"""Issue 11.11 (first part): what is typed into a letter never goes into a URL.

The preview was a POST, but its download link carried the template, the carer and every
detail typed into the letter in its query string, so into access logs and browser history.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from tests.web.conftest import Client, version_of

SECRET = "Kim has agreed to 97.5% after her hospital appointment"


def preview(client: Client) -> tuple[dict[str, str], str]:
    html = client.get("/cases/1/letters").get_data(as_text=True)
    form = {"version": version_of(html), "template": "attendance_concern", "carer": "c1",
            "extra_target_pct": SECRET}
    page = client.post("/cases/1/letters", form).get_data(as_text=True)
    assert SECRET in page  # the letter shows it
    return form, page


def test_the_preview_puts_no_letter_detail_in_any_url(client: Client) -> None:
    client.sign_in("dsl@school.example")
    _, page = preview(client)
    urls = [unquote(u) for u in re.findall(r'(?:href|action|src)="([^"]*)"', page)]
    assert urls
    for url in urls:
        assert "?" not in url or "extra_" not in url, url
        assert "97.5" not in url and "hospital" not in url, url
        assert "carer=" not in url and "template=" not in url, url


def test_the_letter_downloads_by_post(client: Client) -> None:
    client.sign_in("dsl@school.example")
    form, page = preview(client)
    assert 'action="/cases/1/letters/download"' in page
    r = client.post("/cases/1/letters/download", form)
    assert r.status_code == 200 and r.data[:2] == b"PK"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    import io

    from docx import Document

    text = " ".join(p.text for p in Document(io.BytesIO(r.data)).paragraphs)
    assert SECRET in text
    # The old GET with the details in the query string is gone.
    assert client.get("/cases/1/letters/download?template=attendance_concern&carer=c1"
                      f"&extra_target_pct={SECRET}").status_code == 405


def test_another_school_cannot_download_the_letter(client: Client) -> None:
    client.sign_in("b@other.example")
    r = client.post("/cases/1/letters/download", {"version": "1", "template":
                                                  "attendance_concern", "carer": "c1"})
    assert r.status_code == 404
