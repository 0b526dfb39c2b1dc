"""Password rules per NCSC guidance: long enough, not a common password, no composition rules.

NCSC ("Password policy: updating your approach") advises against composition rules (a digit, a
capital, a symbol) and forced expiry, and for a deny-list of common passwords. The list is
checked offline: `common-passwords.txt.gz` beside this module holds 19,640 common passwords
(Royce Williams's list as shipped by Django 5.2.19; see common-passwords.LICENSE).
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

from referral_builder.domain.errors import WeakPassword

MIN_LENGTH = 12
MAX_LENGTH = 256


@cache
def common_passwords() -> frozenset[str]:
    data = (resources.files("referral_builder.accounts") / "common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise WeakPassword when `password` breaks a rule; any characters are allowed."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password must be {MIN_LENGTH} characters or more")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"The password must be {MAX_LENGTH} characters or fewer")
    folded = password.casefold()
    if folded in common_passwords() or folded.strip() in common_passwords():
        raise WeakPassword("The password is on a list of common passwords that attackers try "
                           "first: choose a different one, for example three random words")
    if len(set(folded)) < 4:
        raise WeakPassword("The password repeats too few characters: choose a different one, "
                           "for example three random words")
    local = email.split("@", 1)[0].casefold()
    if (len(local) >= 4 and local in folded) or (email and email.casefold() in folded):
        raise WeakPassword("The password must not contain your email address")
    if name and len(name) >= 4 and folded.replace(" ", "") == name.casefold().replace(" ", ""):
        raise WeakPassword("The password must not be your name")
