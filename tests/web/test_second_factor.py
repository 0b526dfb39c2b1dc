"""The second factor: set up on first sign-in, a code every time, each code used once."""

from __future__ import annotations

import re

import pytest

from referral_builder.accounts import totp
from tests.web.conftest import PASSWORD, Client, error_summary, make_app

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


def test_a_code_is_accepted_one_step_either_side_of_now_and_no_further() -> None:
    secret = totp.new_secret()
    now = 1_795_000_000.0  # 2026-11-18, 10:26:40 UTC
    here = totp.current_step(now)
    for drift in (-1, 0, 1):
        assert totp.verify(secret, totp.code_at(secret, here + drift), last_step=None,
                           now=now) == here + drift
    for drift in (-2, 2):
        assert totp.verify(secret, totp.code_at(secret, here + drift), last_step=None,
                           now=now) is None


def test_a_code_at_or_before_the_last_step_used_is_a_replay() -> None:
    secret = totp.new_secret()
    now = 1_795_000_000.0
    here = totp.current_step(now)
    code = totp.code_at(secret, here)
    assert totp.verify(secret, code, last_step=here, now=now) is None
    assert totp.verify(secret, code, last_step=here + 1, now=now) is None
    assert totp.verify(secret, code, last_step=here - 1, now=now) == here
    assert totp.verify(secret, code[:5], last_step=None, now=now) is None
    assert totp.verify(secret, f"{code[:3]} {code[3:]}", last_step=None, now=now) == here


def test_the_setup_link_names_the_service_and_the_account() -> None:
    key = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    uri = totp.provisioning_uri(key, "dee@oak.sch.uk", "Referral builder")
    assert uri.startswith("otpauth://totp/Referral%20builder:dee%40oak.sch.uk?")
    assert f"secret={key}" in uri and "issuer=Referral%20builder" in uri
    assert len(totp.new_secret()) == 32


def test_a_password_alone_does_not_sign_in(client: Client) -> None:
    r = client.sign_in(DSL)
    assert r.headers["Location"].endswith("/sign-in/code")
    assert client.get("/cases").status_code == 302


def test_first_sign_in_sets_up_the_app_then_each_code_works_once(client: Client) -> None:
    client.sign_in(DSL)
    secret = secret_on(client.get("/sign-in/code").get_data(as_text=True))
    step = totp.current_step()
    r = client.post("/sign-in/code", {"code": totp.code_at(secret, step)})
    assert r.status_code == 200 and 'id="recovery-codes"' in r.get_data(as_text=True)
    assert client.get("/cases").status_code == 200
    client.post("/sign-out")
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


# --- recovery codes -------------------------------------------------------------------------

def codes_on(html: str) -> list[str]:
    return re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", html)


def set_up(client: Client) -> list[str]:
    """Sign in for the first time, set up the app, and return the recovery codes shown."""
    client.sign_in(DSL)
    secret = secret_on(client.get("/sign-in/code").get_data(as_text=True))
    html = client.post("/sign-in/code", {"code": totp.code_at(secret, totp.current_step())})
    codes = codes_on(html.get_data(as_text=True))
    client.post("/sign-out")
    return codes


def test_setting_up_the_app_shows_ten_different_recovery_codes_once(client: Client) -> None:
    codes = set_up(client)
    assert len(set(codes)) == 10
    client.sign_in(DSL)
    assert codes_on(client.get("/sign-in/code").get_data(as_text=True)) == []


def test_only_hashes_of_the_codes_are_stored(client: Client) -> None:
    from sqlalchemy import select

    from referral_builder.storage.models import RecoveryCode

    codes = set_up(client)
    app = client.c.application
    with app.extensions["db"].session() as s:
        stored = [r.code_hash for r in s.scalars(select(RecoveryCode))]
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)
    assert all(len(h) == 64 for h in stored)


def test_a_recovery_code_signs_in_once(client: Client) -> None:
    codes = set_up(client)
    client.sign_in(DSL)
    r = client.post("/sign-in/recovery-code", {"code": codes[0].upper().replace("-", " ")})
    assert r.status_code == 302 and client.get("/cases").status_code == 200
    client.post("/sign-out")
    client.sign_in(DSL)
    html = client.post("/sign-in/recovery-code", {"code": codes[0]}).get_data(as_text=True)
    assert error_summary(html) == ["Enter a recovery code that you have not used before"]
    assert client.get("/cases").status_code == 302


def test_every_page_links_to_the_recovery_codes_when_the_second_factor_is_on(
        client: Client) -> None:
    codes = set_up(client)
    client.sign_in(DSL)
    assert client.post("/sign-in/recovery-code", {"code": codes[0]}).status_code == 302
    assert 'href="/account/recovery-codes"' in client.get("/cases").get_data(as_text=True)


def test_recovery_codes_need_the_password_first(client: Client) -> None:
    codes = set_up(client)
    r = client.post("/sign-in/recovery-code", {"code": codes[0]})
    assert r.status_code == 302 and r.headers["Location"].endswith("/sign-in")


def test_wrong_recovery_codes_count_towards_the_lock_out(client: Client) -> None:
    codes = set_up(client)
    client.sign_in(DSL)
    for _ in range(5):
        client.post("/sign-in/recovery-code", {"code": "aaaaa-aaaaa"})
    html = client.post("/sign-in/recovery-code", {"code": codes[1]}).get_data(as_text=True)
    assert error_summary(html) == ["Enter a recovery code that you have not used before"]


def test_making_a_new_set_ends_the_old_codes(client: Client) -> None:
    old = set_up(client)
    client.sign_in(DSL)
    client.post("/sign-in/recovery-code", {"code": old[0]})
    assert "You have 9 unused recovery codes" in client.get(
        "/account/recovery-codes").get_data(as_text=True)
    refused = client.post("/account/recovery-codes", {"password": "not my password"})
    assert codes_on(refused.get_data(as_text=True)) == []
    assert "Enter your password, or the code your authenticator app shows now" in \
        error_summary(refused.get_data(as_text=True))
    assert codes_on(client.post("/account/recovery-codes").get_data(as_text=True)) == []
    new = codes_on(client.post("/account/recovery-codes", {"password": PASSWORD}).get_data(
        as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/sign-out")
    client.sign_in(DSL)
    html = client.post("/sign-in/recovery-code", {"code": old[1]}).get_data(as_text=True)
    assert error_summary(html) == ["Enter a recovery code that you have not used before"]
    assert client.post("/sign-in/recovery-code", {"code": new[0]}).status_code == 302


def test_a_fresh_code_from_the_app_also_makes_new_recovery_codes(client: Client) -> None:
    client.sign_in(DSL)
    secret = secret_on(client.get("/sign-in/code").get_data(as_text=True))
    step = totp.current_step()
    client.post("/sign-in/code", {"code": totp.code_at(secret, step)})
    html = client.post("/account/recovery-codes", {"code": totp.code_at(secret, step)})
    assert codes_on(html.get_data(as_text=True)) == []  # the code used to sign in: a replay
    html = client.post("/account/recovery-codes", {"code": totp.code_at(secret, step + 1)})
    assert len(codes_on(html.get_data(as_text=True))) == 10


# --- lock-out: the second factor counts on its own (issue 11.2) -----------------------------

def user_row(client: Client, email: str = DSL):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from referral_builder.storage.models import User

    with client.c.application.extensions["db"].session() as s:
        return s.scalar(select(User).where(User.email == email))


def test_password_then_four_wrong_codes_repeated_locks_the_account(client: Client) -> None:
    client.sign_in(DSL)
    secret = secret_on(client.get("/sign-in/code").get_data(as_text=True))
    step = totp.current_step()
    client.post("/sign-in/code", {"code": totp.code_at(secret, step)})  # set up
    client.post("/sign-out")
    for _round in range(2):
        assert client.sign_in(DSL).headers["Location"].endswith("/sign-in/code")
        for _ in range(4):
            client.post("/sign-in/code", {"code": "000000"})
    assert user_row(client).locked_until is not None
    client.sign_in(DSL)
    html = client.post("/sign-in/code", {"code": totp.code_at(secret, step + 1)})
    assert "Enter the code your authenticator app shows now" in error_summary(
        html.get_data(as_text=True))
    assert client.get("/cases").status_code == 302  # still not signed in


def test_only_a_whole_sign_in_resets_the_counts(client: Client) -> None:
    client.sign_in(DSL)
    secret = secret_on(client.get("/sign-in/code").get_data(as_text=True))
    step = totp.current_step()
    client.post("/sign-in/code", {"code": totp.code_at(secret, step - 1)})  # set up
    client.post("/sign-out")
    for _ in range(4):
        client.sign_in(DSL, "wrong password")
    client.sign_in(DSL)  # the right password does not wipe the 4 wrong ones
    assert user_row(client).failed_logins == 4
    for _ in range(4):
        client.post("/sign-in/code", {"code": "000000"})
    assert user_row(client).failed_codes == 4
    r = client.post("/sign-in/code", {"code": totp.code_at(secret, step)})
    assert r.status_code == 302 and client.get("/cases").status_code == 200
    row = user_row(client)
    assert (row.failed_logins, row.failed_codes, row.locked_until) == (0, 0, None)
