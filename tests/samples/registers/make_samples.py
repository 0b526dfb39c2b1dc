"""Write the register sample files in this folder (made-up pupils, no real data).

Run `python tests/samples/registers/make_samples.py` to regenerate them. Every file holds the
same marks for the pupil with UPN K820123456789 (MIS id 1007): the autumn half-term from
Monday 7 September to Friday 16 October 2026, with a closure day on Friday 25 September (`#`
for the whole class), illness on 14-15 September, unauthorised absence on 29 September-1
October, a late mark and an appointment. The 30-pupil Arbor file has 29 other pupils too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

HERE = Path(__file__).parent
UPN = "K820123456789"
STUDENT_ID = "1007"
FIRST, LAST = dt.date(2026, 9, 7), dt.date(2026, 10, 16)
CLOSED = dt.date(2026, 9, 25)
FORENAMES = ["Amelia", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Harry", "Isla", "Jack",
             "Kai", "Lily", "Mason", "Nia", "Oscar", "Poppy", "Quinn", "Ruby", "Sam", "Tia",
             "Umar", "Violet", "Will", "Xena", "Yusuf", "Zara", "Alfie", "Bella", "Caleb",
             "Daisy"]
SURNAMES = ["Archer", "Bennett", "Carter", "Dawson", "Ellis", "Fletcher", "Gray", "Hughes",
            "Iqbal", "Jones", "Khan", "Lewis", "Morgan", "Nolan", "Owens", "Patel", "Quinn",
            "Reid", "Shaw", "Turner", "Usman", "Vaughan", "Walsh", "Young", "Yates", "Zhou",
            "Ali", "Brooks", "Cole", "Dixon"]


def school_days() -> list[dt.date]:
    out, d = [], FIRST
    while d <= LAST:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def pupil_marks(n: int) -> dict[tuple[dt.date, str], str]:
    """Pupil n's marks; pupil 6 (Grace Gray) is the case's pupil."""
    marks = {}
    for i, d in enumerate(school_days()):
        for s in ("AM", "PM"):
            code = "/" if s == "AM" else "\\"
            if d == CLOSED:
                code = "#"
            elif n == 6:
                if d in (dt.date(2026, 9, 14), dt.date(2026, 9, 15)):
                    code = "I"
                elif dt.date(2026, 9, 29) <= d <= dt.date(2026, 10, 1):
                    code = "O"
                elif d == dt.date(2026, 10, 5) and s == "AM":
                    code = "L"
                elif d == dt.date(2026, 10, 8) and s == "PM":
                    code = "M"
            elif (i + n) % 17 == 0:
                code = "I"
            marks[d, s] = code
    return marks


def ids(n: int) -> tuple[str, str]:
    if n == 6:
        return UPN, STUDENT_ID
    return f"K8201234{56000 + n:05d}", str(1001 + n)


MEANING = {"/": "PRESENT_AM", "\\": "PRESENT_PM", "L": "LATE_BEFORE_REGISTER_CLOSED",
           "I": "ILLNESS", "O": "UNAUTHORISED_OTHER", "M": "MEDICAL_APPOINTMENT",
           "#": "SCHOOL_CLOSED"}


def arbor() -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["STUDENT_ID", "UPN", "LEGAL_SURNAME", "FORENAME", "DATE", "PERIOD",
                "RAW_MARK", "MARK_CODE", "MINUTES_LATE"])
    for n in range(30):
        sid = ids(n)[1]
        for (d, s), code in pupil_marks(n).items():
            w.writerow([sid, ids(n)[0], SURNAMES[n], FORENAMES[n], d.isoformat(),
                        "MORNING" if s == "AM" else "AFTERNOON", code, MEANING[code],
                        "12" if code == "L" else "0"])
    return out.getvalue()


def plain() -> str:
    rows = ["Date,Session,Mark"] + [f"{d.isoformat()},{s},{c}"
                                    for (d, s), c in pupil_marks(6).items()]
    return "\n".join(rows) + "\n"


def sims_utf16() -> bytes:
    rows = ["Student ID\tDate\tSession Name\tMark"] + [
        f"{STUDENT_ID}\t{d:%d/%m/%Y}\t{s}\t{c}" for (d, s), c in pupil_marks(6).items()]
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-16-le")


def per_day() -> str:
    m = pupil_marks(6)
    rows = ["UPN;Date;AM;PM"] + [f"{UPN};{d:%d/%m/%Y};{m[d, 'AM']};{m[d, 'PM']}"
                                 for d in school_days()]
    return "\ufeff" + "\n".join(rows) + "\n"


def weekly_grid() -> str:
    m = pupil_marks(6)
    head = ["Week beginning"] + [f"{day} {s}" for day in ("Mon", "Tue", "Wed", "Thu", "Fri")
                                 for s in ("AM", "PM")]
    rows = [",".join(head)]
    monday = FIRST
    while monday <= LAST:
        cells = [f"{monday:%d/%m/%Y}"] + [m[monday + dt.timedelta(days=k), s]
                                          for k in range(5) for s in ("AM", "PM")]
        rows.append(",".join(cells))
        monday += dt.timedelta(days=7)
    return "\n".join(rows) + "\n"


def unknown_shape() -> str:
    """A shape no rule detects: the columns a person maps once."""
    rows = ["Pupil ref,Attendance day,Half,Symbol"] + [
        f"{STUDENT_ID},{d.isoformat()},{s},{c}" for (d, s), c in pupil_marks(6).items()]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    (HERE / "arbor-class-30.csv").write_text(arbor(), encoding="utf-8", newline="")
    (HERE / "plain-one-pupil.csv").write_text(plain(), encoding="utf-8")
    (HERE / "sims-unicode-text.txt").write_bytes(sims_utf16())
    (HERE / "per-day-semicolon.csv").write_text(per_day(), encoding="utf-8")
    (HERE / "weekly-grid.csv").write_text(weekly_grid(), encoding="utf-8")
    (HERE / "unknown-shape.csv").write_text(unknown_shape(), encoding="utf-8")
