"""Rate limits on signing in, per account and per client address, by Flask-Limiter.

Every worker must see the same counts, so they live in the database: `limits` (Flask-Limiter's
engine) has storages for Redis, Memcached and MongoDB but none for SQL, so `DatabaseStorage`
below is a small one, registered with `limits` under the scheme `referral-builder-db://`.
It does the fixed-window strategy only: one row per counter, incremented with a single
INSERT ... ON CONFLICT DO UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL), which is atomic
across workers and hosts.

The limits apply to every POST in the sign-in and account pages (the `auth` blueprint), except
signing out, and are checked before the request opens its database session (so on SQLite the
counter's own short write never waits for the request's). They are read from the app's config
at each request: `RATE_LIMIT_PER_ACCOUNT` and `RATE_LIMIT_PER_ADDRESS`. The account is the
email address typed on the sign-in page (as an HMAC, never in clear), and the user's id on the
pages after it. The client address is the connection's, or with REFERRAL_BUILDER_TRUSTED_PROXIES
the one the proxy passes on.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any, cast

from flask import Flask, current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlalchemy import Engine, Table, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from referral_builder.accounts import signin as auth
from referral_builder.storage.models import RateLimitCounter

SCHEME = "referral-builder-db"
_table = cast(Table, RateLimitCounter.__table__)
SWEEP_SECONDS = 300


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limits` table of the current app's database."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012  (the type limits declares)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._swept = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @staticmethod
    def _engine() -> Engine:
        # Looked up each time: one storage serves whichever app is handling the request.
        return current_app.extensions["db"].engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        engine = self._engine()
        insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        expired = _table.c.expires_at <= now
        stmt = insert(_table).values(key=key, count=amount, expires_at=now + expiry)
        stmt = stmt.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={"count": case((expired, amount), else_=_table.c.count + amount),
                  "expires_at": case((expired, now + expiry), else_=_table.c.expires_at)},
        ).returning(_table.c.count)
        with engine.connect() as conn:
            conn.execution_options(immediate=True)  # BEGIN IMMEDIATE on SQLite
            with conn.begin():
                count = int(conn.execute(stmt).scalar_one())
                if now - self._swept > SWEEP_SECONDS:  # drop old counters now and then
                    conn.execute(delete(_table).where(_table.c.expires_at < now))
                    self._swept = now
        return count

    def get(self, key: str) -> int:
        with self._engine().connect() as conn:
            count = conn.execute(select(_table.c.count).where(
                _table.c.key == key, _table.c.expires_at > time.time())).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        with self._engine().connect() as conn:
            at = conn.execute(select(_table.c.expires_at).where(_table.c.key == key)).scalar()
        return float(at) if at is not None else time.time()

    def check(self) -> bool:
        try:
            with self._engine().connect() as conn:
                conn.execute(select(func.count()).select_from(_table))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self._engine().begin() as conn:
            return conn.execute(delete(_table)).rowcount

    def clear(self, key: str) -> None:
        with self._engine().begin() as conn:
            conn.execute(delete(_table).where(_table.c.key == key))


def account_key() -> str:
    """The account a sign-in or account POST is about, without touching the database."""
    if request.endpoint == "auth.sign_in":
        email = (request.form.get("email") or "").strip().lower()
        digest = hmac.new(str(current_app.secret_key).encode(), email.encode("utf-8"),
                          hashlib.sha256).hexdigest()
        return f"account:email:{digest[:40]}"
    pending = session.get("pending") or {}
    uid = pending.get("user") or str(session.get("_user_id", "")).partition(":")[0]
    return f"account:user:{uid}"


def address_key() -> str:
    return f"address:{get_remote_address()}"


def _per_account() -> str:
    return str(current_app.config["RATE_LIMIT_PER_ACCOUNT"])


def _per_address() -> str:
    return str(current_app.config["RATE_LIMIT_PER_ADDRESS"])


def _not_limited() -> bool:
    return request.endpoint == "auth.sign_out"


limiter = Limiter(key_func=address_key, storage_uri=f"{SCHEME}://", strategy="fixed-window",
                  headers_enabled=False)
limiter.limit(_per_account, key_func=account_key, methods=["POST"], exempt_when=_not_limited,
              scope="account")(auth.bp)
limiter.limit(_per_address, key_func=address_key, methods=["POST"], exempt_when=_not_limited,
              scope="address")(auth.bp)


def init_app(app: Flask) -> None:
    """Register the limiter's checks; call before anything that opens a database session."""
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
