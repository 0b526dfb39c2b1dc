"""Measure the sign-in defences as an attacker would try them (README "Security" figures).

Runs the app in-process on a temporary SQLite instance with the production settings (second
factor on, werkzeug's default password hash, the default lock-out and rate limits), behind one
trusted proxy so that each attempt can come from its own address:

1. "password, then 4 wrong codes", repeated: attempts until the account locks;
2. the same from one address against many accounts, and against one account from many
   addresses: attempts until the rate limits answer 429;
3. the time of a refused sign-in for an unknown email, a wrong password, a locked and a
   disabled account (median of 15 each), and the password-hash calls each makes.

    .venv/bin/python scripts/sign_in_figures.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from referral_builder import accounts
from referral_builder.accounts import signin as auth
from referral_builder.accounts import totp
from referral_builder.services import demo
from referral_builder.storage.models import User
from referral_builder.web import create_app

DSL = "dsl@school.example"


def client(app, address: str = "198.51.100.1"):  # type: ignore[no-untyped-def]
    c = app.test_client()
    c.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost",
                           "HTTP_X_FORWARDED_FOR": address})
    return c


def main() -> int:
    tmp = Path(tempfile.mkdtemp())
    app = create_app({"INSTANCE_PATH": str(tmp / "i"), "SECRET_KEY": "figures", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "REQUIRE_TOTP": True, "TRUSTED_PROXIES": 1,
                      "BUNDLE_IN_BACKGROUND": False})
    with app.extensions["db"].writing() as s:
        demo.create(s, app.extensions["files"], today=dt.date(2026, 11, 20))
        for n in range(60):
            accounts.create_user(s, f"u{n}@school.example", f"User {n}", "school_staff",
                                 demo.PASSWORD, school=demo.SCHOOL)
    db = app.extensions["db"]

    def user(email: str = DSL) -> User:
        with db.session() as s:
            return s.scalar(select(User).where(User.email == email))

    # 1. password, then 4 wrong codes, repeated (each round from a new address)
    c = client(app)
    c.post("/sign-in", data={"email": DSL, "password": demo.PASSWORD})
    html = c.get("/sign-in/code").get_data(as_text=True)
    secret = html.split('id="totp-secret">', 1)[1].split("<", 1)[0].replace(" ", "")
    c.post("/sign-in/code", data={"code": totp.code_at(secret, totp.current_step())})
    wrong = 0
    start = time.perf_counter()
    for n in range(10):
        c = client(app, f"198.51.100.{10 + n}")
        c.post("/sign-in", data={"email": DSL, "password": demo.PASSWORD})
        for _ in range(4):
            c.post("/sign-in/code", data={"code": "000000"})
            wrong += 1
            if user().locked_until:
                break
        if user().locked_until:
            break
    print(f"1. password + 4 wrong codes, repeated: locked after {wrong} wrong codes "
          f"({time.perf_counter() - start:.1f} s); locked: {bool(user().locked_until)}")

    # 2. rate limits
    c = client(app, "203.0.113.5")
    n = 0
    while n < 1000:
        n += 1
        r = c.post("/sign-in", data={"email": f"u{n % 30}@school.example", "password": "x" * 12})
        if r.status_code == 429:
            break
    print(f"2a. one address, many accounts: refused (429) at attempt {n}")
    n = 0
    while n < 1000:
        n += 1
        r = client(app, f"192.0.2.{n % 250}").post(
            "/sign-in", data={"email": "u35@school.example", "password": "x" * 12})
        if r.status_code == 429:
            break
    print(f"2b. one account, many addresses: refused (429) at attempt {n}")

    # 3. timing and hash work of refused sign-ins
    calls: list[str] = []
    real = auth.check_password_hash

    def counting(h: str, p: str) -> bool:
        calls.append(h)
        return real(h, p)

    auth.check_password_hash = counting  # type: ignore[assignment]
    app.config["RATE_LIMIT_PER_ACCOUNT"] = "1000 per minute"  # time the answers, not the 429s
    with db.writing() as s:
        s.scalar(select(User).where(User.email == "u1@school.example")).locked_until = \
            dt.datetime(2099, 1, 1)
        s.scalar(select(User).where(User.email == "u2@school.example")).active = False
    cases = {"unknown email": ("nobody@school.example", demo.PASSWORD),
             "wrong password": ("u{n}@school.example", "wrong password!"),
             "locked account": ("u1@school.example", demo.PASSWORD),
             "disabled account": ("u2@school.example", demo.PASSWORD)}
    times = {}
    for name, (email, password) in cases.items():
        samples = []
        calls.clear()
        for n in range(15):
            c = client(app, f"10.{n}.{len(times)}.1")
            t = time.perf_counter()
            c.post("/sign-in", data={"email": email.format(n=n + 40), "password": password})
            samples.append(time.perf_counter() - t)
        times[name] = statistics.median(samples)
        print(f"3. {name}: median {times[name] * 1000:.0f} ms, "
              f"{len(calls) / 15:.0f} hash call(s) per attempt")
    fastest, slowest = min(times.values()), max(times.values())
    print(f"3. slowest / fastest: {slowest / fastest:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
