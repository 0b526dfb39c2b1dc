"""The web app's commands: db upgrade, create-authority, create-school, create-user, demo."""

from __future__ import annotations

import pytest

from referral_builder.cli import main


@pytest.fixture
def instance(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "test")
    return tmp_path / "instance"


def test_demo_creates_accounts_and_says_how_to_sign_in(instance, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "dsl@school.example" in out and "officer@walsall.example" in out
    assert main(["demo"]) == 0  # a second run changes nothing


def test_accounts_are_created_from_the_command_line(instance, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert main(["db", "upgrade"]) == 0
    assert main(["create-authority", "walsall", "Walsall Council"]) == 0
    assert main(["create-school", "Oak Primary", "--authority", "walsall"]) == 0
    monkeypatch.setenv("REFERRAL_BUILDER_PASSWORD", "a-long-password")
    assert main(["create-user", "a@oak.example", "Ann Oak", "--role", "dsl",
                 "--school", "Oak Primary"]) == 0
    assert main(["create-user", "b@oak.example", "Bob", "--role", "dsl",
                 "--school", "No Such School"]) == 2
    assert "need --school" in capsys.readouterr().err


def test_an_authority_without_a_checklist_is_refused(instance, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["create-authority", "atlantis", "Atlantis"]) == 2
    assert "no checklist 'atlantis'" in capsys.readouterr().err
