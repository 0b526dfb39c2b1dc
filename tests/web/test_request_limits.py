"""Request limits: an over-limit body, form field or number of parts gets 413, not a crash."""

from __future__ import annotations

import io

from tests.web.conftest import Client


def test_the_limits_are_set(app) -> None:  # type: ignore[no-untyped-def]
    assert app.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024
    assert app.config["MAX_FORM_MEMORY_SIZE"] == 512 * 1024
    assert app.config["MAX_FORM_PARTS"] == 500


def test_an_upload_over_max_content_length_goes_back_to_its_page_with_the_error(
        app, client: Client) -> None:  # type: ignore[no-untyped-def]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    client.sign_in("dsl@school.example")
    r = client.post("/cases/import", data={"archive": (io.BytesIO(b"x" * 4096), "a.zip")},
                    content_type="multipart/form-data")
    assert r.status_code == 303 and r.headers["Location"].endswith("/cases/import?too_big=1")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "The selected file must be smaller than 20MB" in html
    assert 'class="govuk-error-summary' in html


def test_a_body_over_max_content_length_that_is_no_upload_gets_413(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    client.sign_in("dsl@school.example")
    r = client.post("/cases/1/pupil", data=b"version=1&first_name=" + b"x" * 4096,
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413
    assert "The file is too big" in r.get_data(as_text=True)


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """A multipart body built here: the test client would spool a big one to a temp file."""
    body = b"".join(f'--B\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                    .encode() for k, v in fields.items()) + b"--B--\r\n"
    return body, "multipart/form-data; boundary=B"


def test_a_form_field_over_max_form_memory_size_gets_413(client: Client) -> None:
    client.sign_in("dsl@school.example")
    body, kind = multipart({"version": "1", "first_name": "x" * 600_000})
    assert client.post("/cases/1/pupil", data=body, content_type=kind).status_code == 413


def test_a_urlencoded_field_over_max_form_memory_size_gets_413(client: Client) -> None:
    client.sign_in("dsl@school.example")
    r = client.post("/cases/1/pupil", data=b"version=1&first_name=" + b"x" * 600_000,
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413


def test_more_parts_than_max_form_parts_gets_413(client: Client) -> None:
    client.sign_in("dsl@school.example")
    body, kind = multipart({f"f{i}": "1" for i in range(600)})
    assert client.post("/cases/1/pupil", data=body, content_type=kind).status_code == 413


def test_the_413_page_carries_the_security_headers(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("dsl@school.example")
    body, kind = multipart({f"f{i}": "1" for i in range(600)})
    r = client.post("/cases/1/pupil", data=body, content_type=kind)
    assert r.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
