"""Passwords per NCSC: 12 characters or more, not a common password, no composition rules."""

from __future__ import annotations

import pytest

from referral_builder import accounts
from referral_builder.accounts.passwords import WeakPassword, check_password, common_passwords


@pytest.mark.parametrize("password,message", [
    ("short-pass1", "The password must be 12 characters or more"),
    ("", "The password must be 12 characters or more"),
    ("x" * 257, "The password must be 256 characters or fewer"),
    ("password1234", "The password is on a list of common passwords"),
    ("PASSWORD1234", "The password is on a list of common passwords"),
    ("qwertyuiop123", "The password is on a list of common passwords"),
    ("aaaaaaaaaaaaaaaa", "The password repeats too few characters"),
    ("abababababab", "The password repeats too few characters"),
    ("jo.bloggs-was-here", "The password must not contain your email address"),
])
def test_weak_passwords_are_refused_with_a_clear_message(password: str, message: str) -> None:
    with pytest.raises(WeakPassword, match=message.replace("(", r"\(")):
        check_password(password, email="jo.bloggs@school.example", name="Jo Bloggs")


@pytest.mark.parametrize("password", [
    "correct horse battery staple",  # spaces are fine
    "purple-lamp-orchard",  # no digit, capital or symbol needed
    "ünïcödé pässwörd ok",
    "x" * 4 + "yzw" * 83,  # long is fine
])
def test_long_uncommon_passwords_need_no_digits_or_symbols(password: str) -> None:
    check_password(password, email="jo@school.example")


def test_the_bundled_list_is_loaded_offline() -> None:
    words = common_passwords()
    assert len(words) == 19640
    assert {"123456", "password", "qwerty"} <= words


def test_creating_a_user_with_a_weak_password_says_why(app) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s, pytest.raises(
            accounts.AccountError, match="12 characters or more"):
        accounts.create_user(s, "new@school.example", "New Person", "dsl", "too-short",
                             school="Other School")


def test_the_command_line_refuses_a_common_password(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.cli import main

    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(tmp_path))
    monkeypatch.setenv("REFERRAL_BUILDER_PASSWORD", "password1234")
    assert main(["create-authority", "walsall", "Walsall Council"]) == 0
    assert main(["create-user", "x@la.example", "X", "--role", "la_officer",
                 "--authority", "walsall"]) == 2
    assert "on a list of common passwords" in capsys.readouterr().err
