"""Account management (issue 11.7) and sign-in timing (issue 11.8)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral_builder import accounts
from referral_builder.accounts import signin as auth
from referral_builder.storage.models import User
from tests.web.conftest import PASSWORD, Client, error_summary, field_errors

DSL = "dsl@school.example"
NEW = "kettle orbit meadow lamp"


def set_user(app, email: str = DSL, **values) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        user = s.scalar(select(User).where(User.email == email))
        for name, value in values.items():
            setattr(user, name, value)


def user_row(app, email: str = DSL) -> User:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return s.scalar(select(User).where(User.email == email))


# --- 11.8: every branch does the password hash work -----------------------------------------

@pytest.fixture
def hash_calls(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    calls: list[str] = []
    real = auth.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    return calls


@pytest.mark.parametrize("case", ["unknown email", "wrong password", "locked", "disabled"])
def test_every_refused_sign_in_does_the_same_hash_work(app, client: Client, hash_calls,
                                                       case: str) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    if case == "locked":
        set_user(app, locked_until=dt.datetime(2099, 1, 1))
    if case == "disabled":
        set_user(app, active=False)
    email = "nobody@school.example" if case == "unknown email" else DSL
    password = "wrong-password" if case == "wrong password" else PASSWORD
    r = client.sign_in(email, password)
    assert "Enter a correct email address and password" in error_summary(
        r.get_data(as_text=True))
    assert len(hash_calls) == 1


# --- 11.7: change password, forced reset, sign-out is a POST ----------------------------------

def test_a_user_changes_their_password_with_the_current_one(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in(DSL)
    other = Client(app)  # the same session cookie, copied elsewhere
    other.c.set_cookie("session", client.c.get_cookie("session").value, domain="localhost",
                       secure=True)
    assert other.get("/cases").status_code == 200
    r = client.post("/account/password", {"current_password": "not it", "new_password": NEW})
    assert field_errors(r.get_data(as_text=True)) == ["Your current password is not right"]
    r = client.post("/account/password", {"current_password": PASSWORD,
                                           "new_password": "password1234"})
    assert "list of common passwords" in " ".join(field_errors(r.get_data(as_text=True)))
    r = client.post("/account/password", {"current_password": PASSWORD, "new_password": NEW})
    assert r.status_code == 302
    assert client.get("/cases").status_code == 200
    assert other.get("/cases").status_code == 302  # the other session has ended
    client.post("/sign-out")
    assert "Enter a correct" in " ".join(error_summary(
        client.sign_in(DSL).get_data(as_text=True)))
    assert client.sign_in(DSL, NEW).status_code == 302


def test_a_temporary_password_must_be_changed_before_anything_else(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        accounts.reset_password(s, DSL, "temporary garden chair")
    r = client.sign_in(DSL, "temporary garden chair")
    assert r.headers["Location"].endswith("/account/password")
    r = client.get("/cases/1")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/password")
    assert "Your password was set for you" in client.get("/account/password").get_data(
        as_text=True)
    client.post("/account/password", {"current_password": "temporary garden chair",
                                       "new_password": NEW})
    assert client.get("/cases/1").status_code == 200
    assert not user_row(app).must_change_password


def test_a_reset_ends_sessions_unlocks_and_can_clear_the_second_factor(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    client.sign_in(DSL)
    set_user(app, totp_secret="A" * 32, totp_last_step=5, locked_until=dt.datetime(2099, 1, 1))
    with app.extensions["db"].writing() as s:
        accounts.reset_password(s, DSL, "temporary garden chair", second_factor=True)
    assert client.get("/cases").status_code == 302
    row = user_row(app)
    assert (row.totp_secret, row.locked_until, row.must_change_password) == (None, None, True)
    with app.extensions["db"].writing() as s, pytest.raises(accounts.AccountError,
                                                            match="common passwords"):
        accounts.reset_password(s, DSL, "password1234")


def test_a_reset_revokes_the_calendar_feed_address(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    """A reset is for an account that may be in the wrong hands: the feed's secret address
    (case references and due dates, no sign-in) stops working too."""
    import re

    client.sign_in(DSL)
    page = client.post("/caseload/calendar", data={"action": "make"}).get_data(as_text=True)
    feed = re.search(r"https?://[^\s\"<]+\.ics", page).group(0)
    anonymous = Client(app)
    assert anonymous.get(feed).status_code == 200
    with app.extensions["db"].writing() as s:
        accounts.reset_password(s, DSL, "temporary garden chair")
    assert anonymous.get(feed).status_code == 404
    assert user_row(app).calendar_token is None


def test_the_reset_password_command(app, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.cli import main

    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("REFERRAL_BUILDER_PASSWORD", "temporary garden chair")
    assert main(["reset-password", DSL]) == 0
    assert "must choose a new password" in capsys.readouterr().out
    assert user_row(app).must_change_password


def test_a_get_to_sign_out_signs_nobody_out(client: Client) -> None:
    client.sign_in(DSL)
    r = client.get("/sign-out", headers={"Referer": "https://evil.example/"})
    assert r.status_code == 200 and "Sign out" in r.get_data(as_text=True)
    assert client.get("/cases").status_code == 200
    assert client.post("/sign-out").status_code == 200
    assert client.get("/cases").status_code == 302


def test_the_header_signs_out_with_a_post_form(client: Client) -> None:
    client.sign_in(DSL)
    html = client.get("/cases").get_data(as_text=True)
    assert 'action="/sign-out"' in html and 'method="post"' in html
    assert 'href="/sign-out"' not in html


def test_create_user_temporary_must_change_at_first_sign_in(app, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.cli import main

    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("REFERRAL_BUILDER_PASSWORD", "temporary garden chair")
    assert main(["create-user", "new@school.example", "Nia New", "--role", "school_staff",
                 "--school", "Other School", "--temporary"]) == 0
    r = Client(app).sign_in("new@school.example", "temporary garden chair")
    assert r.headers["Location"].endswith("/account/password")
