"""Sign-in rate limits per account and per client address, counted in the database (11.2)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from referral_builder.accounts import rate_limits
from referral_builder.storage.models import RateLimitCounter
from tests.web.conftest import Client, make_app

DSL = "dsl@school.example"


@pytest.fixture
def app(tmp_path):  # type: ignore[no-untyped-def]
    return make_app(tmp_path, WTF_CSRF_ENABLED=False, RATE_LIMIT_PER_ACCOUNT="3 per hour",
                    RATE_LIMIT_PER_ADDRESS="5 per hour", TRUSTED_PROXIES=1)


def from_address(app, address: str) -> Client:  # type: ignore[no-untyped-def]
    c = Client(app)
    c.c.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return c


def test_one_account_gets_a_few_tries_whatever_the_address(app) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        r = from_address(app, f"198.51.100.{n}").sign_in(DSL, "wrong-password")
        assert r.status_code == 200
    r = from_address(app, "198.51.100.9").sign_in(DSL.upper(), "wrong-password")
    assert r.status_code == 429 and "Too many attempts" in r.get_data(as_text=True)
    # another account from the same address is not held up
    assert from_address(app, "198.51.100.9").sign_in("b@other.example").status_code == 302


def test_one_address_gets_a_few_tries_whatever_the_account(app) -> None:  # type: ignore[no-untyped-def]
    c = from_address(app, "203.0.113.7")
    for n in range(5):
        assert c.sign_in(f"guess{n}@school.example", "wrong-password").status_code == 200
    assert c.sign_in("b@other.example").status_code == 429
    assert from_address(app, "203.0.113.8").sign_in("b@other.example").status_code == 302


def test_pages_are_not_limited_and_sign_out_is_not_counted(app) -> None:  # type: ignore[no-untyped-def]
    c = from_address(app, "203.0.113.7")
    for _ in range(10):
        assert c.get("/sign-in").status_code == 200
        c.post("/sign-out")
    assert c.sign_in(DSL).status_code == 302


def test_the_counters_are_in_the_database_and_hold_no_email(app) -> None:  # type: ignore[no-untyped-def]
    from_address(app, "203.0.113.7").sign_in(DSL, "wrong-password")
    with app.extensions["db"].session() as s:
        keys = list(s.scalars(select(RateLimitCounter.key)))
    assert len(keys) == 2 and not any("school.example" in k for k in keys)
    assert any("203.0.113.7" in k for k in keys)


def test_the_storage_counts_in_fixed_windows(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    storage = rate_limits.DatabaseStorage()
    clock = [1_000_000.0]
    monkeypatch.setattr(rate_limits.time, "time", lambda: clock[0])
    with app.app_context():
        assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
        assert storage.get("k") == 3 and storage.get_expiry("k") == 1_000_060.0
        clock[0] += 61  # the window has passed: counting starts again
        assert storage.get("k") == 0
        assert storage.incr("k", 60, amount=2) == 2
        assert storage.get_expiry("k") == 1_000_121.0
        storage.clear("k")
        assert storage.get("k") == 0 and storage.check()
        storage.incr("old", 60)
        clock[0] += 1000
        storage.incr("other", 60)  # sweeps expired counters
        with app.extensions["db"].session() as s:
            assert s.scalar(select(func.count()).select_from(RateLimitCounter)) == 1
