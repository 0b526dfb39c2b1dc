"""Behind a TLS-terminating proxy (issue 11.1): the CSRF checks with forwarded headers.

tests/browser/test_tls_proxy.py runs the real thing (nginx and Chromium); these run the same
checks through the WSGI stack with the headers nginx sets.
"""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PASSWORD, make_app

DSL = "dsl@school.example"
HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "referrals.example.gov.uk",
         "X-Forwarded-For": "203.0.113.9"}
SITE = "https://referrals.example.gov.uk"


@pytest.fixture
def proxied(tmp_path):  # type: ignore[no-untyped-def]
    """The app with CSRF on and one trusted proxy, reached over plain HTTP like gunicorn."""
    app = make_app(tmp_path, TRUSTED_PROXIES=1)
    return app.test_client()


def token(client, path: str = "/sign-in") -> str:  # type: ignore[no-untyped-def]
    html = client.get(path, headers=HTTPS).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in(client, **headers):  # type: ignore[no-untyped-def]
    return client.post("/sign-in", headers={**HTTPS, **headers},
                       data={"email": DSL, "password": PASSWORD, "csrf_token": token(client)})


def test_pages_ask_browsers_to_send_the_referer_to_this_site_only(proxied) -> None:  # type: ignore[no-untyped-def]
    assert proxied.get("/sign-in", headers=HTTPS).headers["Referrer-Policy"] == "same-origin"


def test_a_browser_post_over_https_with_its_referer_and_origin_signs_in(proxied) -> None:  # type: ignore[no-untyped-def]
    r = sign_in(proxied, Referer=f"{SITE}/sign-in", Origin=SITE)
    assert r.status_code == 302 and r.headers["Location"] == "/"


@pytest.mark.parametrize("origin", ["https://evil.example", "null",
                                    "http://referrals.example.gov.uk",
                                    "https://referrals.example.gov.uk:8443"])
def test_a_post_from_another_origin_is_refused_even_with_a_token(proxied, origin: str) -> None:  # type: ignore[no-untyped-def]
    r = sign_in(proxied, Referer=f"{SITE}/sign-in", Origin=origin)
    assert r.status_code == 400 and "Your form has expired" in r.get_data(as_text=True)


def test_a_post_over_https_from_another_sites_page_is_refused(proxied) -> None:  # type: ignore[no-untyped-def]
    assert sign_in(proxied, Referer="https://evil.example/page").status_code == 400
    assert sign_in(proxied).status_code == 400  # no Referer and no Origin over HTTPS


def test_without_a_token_a_same_origin_post_is_still_refused(proxied) -> None:  # type: ignore[no-untyped-def]
    r = proxied.post("/sign-in", headers={**HTTPS, "Referer": f"{SITE}/sign-in",
                                          "Origin": SITE},
                     data={"email": DSL, "password": PASSWORD})
    assert r.status_code == 400
