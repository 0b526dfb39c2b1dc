"""The second factor: set up on first sign-in, a code every time, each code used once."""

from __future__ import annotations

import re

import pytest

from referral_builder.web import totp
from tests.web.conftest import Client, error_summary, make_app

DSL = "dsl@school.example"


@pytest.fixture
def client(tmp_path) -> Client:  # type: ignore[no-untyped-def]
    return Client(make_app(tmp_path, WTF_CSRF_ENABLED=False, REQUIRE_TOTP=True))


def secret_on(html: str) -> str:
    return re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


def test_the_rfc_6238_test_vector() -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890"
    assert totp.code_at(secret, 59 // 30) == "287082"
    assert totp.code_at(secret, 1111111109 // 30) == "081804"


def test_a_password_alone_does_not_sign_in(client: Client) -> None:
    r = client.sign_in(DSL)
    assert r.headers["Location"].endswith("/sign-in/code")
    assert client.get("/cases").status_code == 302


def test_first_sign_in_sets_up_the_app_then_each_code_works_once(client: Client) -> None:
    client.sign_in(DSL)
    secret = secret_on(client.get("/sign-in/code").get_data(as_text=True))
    step = totp.current_step()
    r = client.post("/sign-in/code", {"code": totp.code_at(secret, step)})
    assert r.status_code == 302 and client.get("/cases").status_code == 200
    client.get("/sign-out")
    client.sign_in(DSL)
    html = client.post("/sign-in/code", {"code": totp.code_at(secret, step)}).get_data(
        as_text=True)  # the same code again: a replay
    assert "Enter the code your authenticator app shows now" in error_summary(html)
    r = client.post("/sign-in/code", {"code": totp.code_at(secret, step + 1)})
    assert r.status_code == 302 and client.get("/cases").status_code == 200


def test_a_wrong_code_shows_the_error(client: Client) -> None:
    client.sign_in(DSL)
    html = client.post("/sign-in/code", {"code": "000000x"}).get_data(as_text=True)
    assert "Enter the code your authenticator app shows now" in error_summary(html)
    html = client.post("/sign-in/code", {"code": ""}).get_data(as_text=True)
    assert "Enter the 6-digit code from your authenticator app" in error_summary(html)
