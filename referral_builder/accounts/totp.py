"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps), by pyotp.

pyotp makes the codes, the keys and the setup link. Two rules are ours, because pyotp's own
`TOTP.verify` has neither: a code is accepted from the step before to the step after the
current one (one step of clock drift either way), and a code whose step is at or before the
last step used is refused, so each code works once (RFC 6238 section 5.2).
"""

from __future__ import annotations

import time

import pyotp
from pyotp.utils import strings_equal

STEP = 30
DIGITS = 6


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret.replace(" ", "").upper(), digits=DIGITS, interval=STEP)


def new_secret() -> str:
    """A random 160-bit key in base32 (32 characters), as authenticator apps expect."""
    return pyotp.random_base32(32)


def code_at(secret: str, step: int) -> str:
    """The code for the 30-second step number `step` (Unix time // 30)."""
    return _totp(secret).generate_otp(step)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def verify(secret: str, code: str, *, last_step: int | None, now: float | None = None,
           window: int = 1) -> int | None:
    """Return the step the code belongs to, or None; a step at or before `last_step` is a
    replay and is refused."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == DIGITS):
        return None
    otp = _totp(secret)
    here = current_step(now)
    for step in range(here - window, here + window + 1):
        if last_step is not None and step <= last_step:
            continue
        if strings_equal(otp.generate_otp(step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
