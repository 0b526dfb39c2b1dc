"""A demo local authority, school, users for each role and a part-built case."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral_builder import accounts
from referral_builder.domain.calendar import school_year_start
from referral_builder.services import cases
from referral_builder.storage.files import FileStore
from referral_builder.storage.models import Authority, User

PASSWORD = "demo-password-1"
SCHOOL = "Bloxwich Demo Primary"
USERS = (("staff@school.example", "Alex Morgan", "school_staff"),
         ("dsl@school.example", "Sam Patel", "dsl"),
         ("officer@walsall.example", "Jo Khan", "la_officer"),
         ("admin@example.com", "Pat Admin", "admin"))


def create(s: Session, store: FileStore, today: dt.date | None = None, *,
           require_totp: bool = True, url: str = "http://127.0.0.1:5000") -> list[str]:
    """Create the demo records (once) and return the lines telling how to sign in."""
    today = today or dt.date.today()
    if s.scalar(select(Authority).where(Authority.slug == "walsall")) is None:
        accounts.create_authority(s, "walsall", "Walsall Council")
        school = accounts.create_school(s, SCHOOL, "walsall", urn="123456",
                                        head_teacher="Mrs A Head",
                                        address="1 School Lane, Bloxwich WS3 1AA")
        for email, name, role in USERS:
            accounts.create_user(s, email, name, role, PASSWORD, school=SCHOOL,
                                 authority="walsall")
        authority = accounts.find_authority(s, "walsall")
        creator = s.scalars(select(User).where(User.email == USERS[0][0])).one()
        data = demo_case(cases.next_reference(s, authority, today.year), today)
        data["school"]["name"] = school.name
        cases.create_case(s, authority=authority, school=school, created_by=creator.id,
                             data=data)
    lines = [f"Demo ready. Sign in at {url.rstrip('/')}/sign-in with any of these "
             f"(password {PASSWORD}):"]
    lines += [f"  {email:<26} {role}" for email, _, role in USERS]
    if require_totp:
        lines += ["On first sign-in each account sets up an authenticator app (TOTP) with the "
                  "key shown."]
    else:
        lines += ["The second sign-in factor (TOTP) is OFF for this demo "
                  "(REFERRAL_BUILDER_REQUIRE_TOTP=0); never run a real service like that."]
    return lines


def _weekday(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


def demo_marks(today: dt.date) -> list[dict[str, str]]:
    """Weekdays from the start of the school year to yesterday: about 80% attendance."""
    start = school_year_start(today) + dt.timedelta(days=2)
    half_term = (dt.date(start.year, 10, 26), dt.date(start.year, 10, 30))
    marks, d, n = [], start, 0
    while d < today:
        if d.weekday() < 5:
            for session in ("AM", "PM"):
                if half_term[0] <= d <= half_term[1]:
                    code = "#"
                else:
                    n += 1
                    code = "O" if n % 5 == 0 else ("/" if session == "AM" else "\\")
                marks.append({"date": d.isoformat(), "session": session, "code": code})
        d += dt.timedelta(days=1)
    return marks


def demo_case(reference: str, today: dt.date) -> dict:  # type: ignore[type-arg]
    meeting = _weekday(today - dt.timedelta(days=28))
    data = {
        "format": "referral-case/1", "reference": reference, "authority": "walsall",
        "referral_date": today.isoformat(),
        "school": {"name": SCHOOL, "urn": "123456", "local_authority": "Walsall",
                   "head_teacher": "Mrs A Head", "address": "1 School Lane, Bloxwich WS3 1AA"},
        "pupil": {"first_name": "Zoë", "last_name": "Smith", "date_of_birth": "2016-05-03",
                  "upn": "A123456789012", "year_group": "Year 5",
                  "address": "12 Elm Road, Walsall WS3 1AA",
                  "flags": {"social_worker": False, "medical_needs": False, "send": "none"}},
        "carers": [
            {"id": "c1", "name": "Jane Smith", "relationship": "mother",
             "parental_responsibility": True, "day_to_day_care": True,
             "address": "12 Elm Road, Walsall WS3 1AA"},
            {"id": "c2", "name": "Tom Smith", "relationship": "father",
             "parental_responsibility": True, "day_to_day_care": False,
             "address": "4 Mill Lane, Bloxwich WS3 2BB"}],
        "register": {"marks": demo_marks(today)},
        "events": [
            {"id": "e1", "type": "letter", "date": _weekday(today - dt.timedelta(days=56))
             .isoformat(), "to": ["c1", "c2"], "purposes": ["attendance_concern", "support"],
             "summary": "Attendance concern letter"},
            {"id": "e2", "type": "meeting", "date": meeting.isoformat(), "time": "09:30",
             "kind": "attendance_meeting", "status": "held", "attended": ["c1"]},
            {"id": "e3", "type": "letter", "date": _weekday(meeting - dt.timedelta(days=10))
             .isoformat(), "to": ["c1", "c2"], "purposes": ["meeting_invite"],
             "meeting": "e2", "summary": "Invitation to an attendance meeting"},
            {"id": "e4", "type": "phone_call", "date": _weekday(today - dt.timedelta(days=14))
             .isoformat(), "with": ["c1"], "direction": "outgoing",
             "outcome": "Mother says Zoë is anxious about school"},
        ],
        "documents": [],
    }
    json.dumps(data)
    return data
