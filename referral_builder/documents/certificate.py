"""The head teacher's attendance certificate (Education Act 1996 s.566), with a register grid."""

from __future__ import annotations

import datetime as dt

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from referral_builder.documents import _layout as L
from referral_builder.domain import codes, stats
from referral_builder.domain.calendar import monday
from referral_builder.domain.codes import SessionClass
from referral_builder.domain.model import Case
from referral_builder.domain.register import Register

CLASS_WORDS = {
    SessionClass.PRESENT: "present", SessionClass.AEA: "approved educational activity",
    SessionClass.AUTH: "authorised absence", SessionClass.UNAUTH: "unauthorised absence",
    SessionClass.NOT_POSSIBLE: "not a possible session", SessionClass.CLOSURE: "school closed",
}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


def certificate_pdf(case: Case, as_of: dt.date | None = None) -> bytes:
    """Render the attendance certificate for the school year up to `as_of` (default: referral)."""
    return certificate_part(case, as_of).pdf


def certificate_part(case: Case, as_of: dt.date | None = None, *,
                     section: L.Divider | None = None) -> L.Part:
    """Lay out the certificate; `section` is the bundle section's divider heading."""
    as_of = as_of or case.referral_date
    s = stats.compute(case, as_of)
    st = L.styles()
    width = L.frame_width(L.PORTRAIT)
    story: list[Flowable] = [
        *L.section_head("Attendance certificate", section),
        L.para(f"Certificate of attendance at {L.text(case.school.name)} for the period "
               f"{L.long_date(s.period_start)} to {L.long_date(as_of)}, taken from the "
               "attendance register kept under the School Attendance (Pupil Registration) "
               "(England) Regulations 2024.", st["body"]),
        _details(case, s, width),
        Spacer(1, 4 * mm),
        *L.heading("Sessions", st["h2"]),
        _summary(s, width),
    ]
    if s.unresolved_n:
        dates = ", ".join(f"{L.short_date(d)} {sess}" for d, sess in s.unresolved_n[:12])
        more = f" and {len(s.unresolved_n) - 12} more" if len(s.unresolved_n) > 12 else ""
        story.append(L.para(
            f"Warning: {len(s.unresolved_n)} session(s) are still coded N (reason not yet "
            f"established): {dates}{more}. Local authorities do not accept a certificate with "
            "unresolved N codes; resolve them in the register before this is signed.",
            st["warning"]))
    story += [Spacer(1, 3 * mm), L.para(_peak_sentence(s), st["body"]),
              *L.heading("Sessions by code", st["h2"]), _by_code(s, as_of, width),
              CondPageBreak(60 * mm),
              L.para("Register, week by week", st["h2"]),
              L.para("One row per week from the start of the period. / and \\ present, "
                     "# school closed; unauthorised absences are shaded red and authorised "
                     "absences amber. A dash means no mark was recorded.", st["small"]),
              Spacer(1, 2 * mm),
              _grid(case, s.period_start, as_of, width),
              Spacer(1, 6 * mm),
              KeepTogether(_signature(case, st))]
    return L.render(story, title=f"Attendance certificate: {case.pupil.full_name}")


def _details(case: Case, s: stats.Stats, width: float) -> Flowable:
    st = L.styles()
    p = case.pupil
    rows = [("Pupil", p.full_name), ("Date of birth", L.long_date(p.date_of_birth)),
            ("UPN", p.upn or "not recorded"), ("Year group", p.year_group or "not recorded"),
            ("School", f"{case.school.name}" + (f" (URN {case.school.urn})"
                                                if case.school.urn else "")),
            ("Local authority", case.school.local_authority or case.authority),
            ("Period", f"{L.long_date(s.period_start)} to {L.long_date(s.as_of)}")]
    data = [[L.para(k, st["cellb"]), L.para(L.text(v), st["cell"])] for k, v in rows]
    return L.table(data, [45 * mm, width - 45 * mm], header=False)


def _summary(s: stats.Stats, width: float) -> Flowable:
    st = L.styles()
    c = s.counts

    def pct(n: int) -> str:
        return f"{100 * n / c.possible:.1f}%" if c.possible else "–"

    rows = [("Possible sessions", c.possible, "100%" if c.possible else "–"),
            ("Present (including late before the register closed)", c.present, pct(c.present)),
            ("Approved educational activity", c.approved_activity, pct(c.approved_activity)),
            ("Authorised absence", c.authorised, pct(c.authorised)),
            ("Unauthorised absence", c.unauthorised, pct(c.unauthorised)),
            ("Attendance (present and approved activity)", c.attended, pct(c.attended))]
    data = [[L.para("", st["cellb"]), L.para("Sessions", st["cellb"]),
             L.para("% of possible", st["cellb"])]]
    data += [[L.para(k, st["cellb" if i in (0, 5) else "cell"]), L.para(str(n), st["cell"]),
              L.para(p, st["cell"])] for i, (k, n, p) in enumerate(rows)]
    return L.table(data, [width - 70 * mm, 30 * mm, 40 * mm])


def _peak_sentence(s: stats.Stats) -> str:
    peak = s.peak
    if peak is None or peak.count == 0:
        return ("No unauthorised absences (codes G, N, O, U) were recorded in any 10 school "
                "weeks.")
    return (f"Highest number of unauthorised absences (codes G, N, O, U) in any 10 school weeks: "
            f"<b>{peak.count}</b> sessions, in the {peak.weeks} school weeks from "
            f"{L.long_date(peak.first_week)} to {L.long_date(peak.end)}.")


def _by_code(s: stats.Stats, as_of: dt.date, width: float) -> Flowable:
    st = L.styles()
    data = [[L.para(h, st["cellb"]) for h in ("Code", "Meaning", "Counted as", "Sessions")]]
    for code, n in s.counts.by_code.items():
        try:
            known = codes.lookup(code, as_of)
            meaning, cls = known.meaning, CLASS_WORDS[known.cls]
        except Exception:
            meaning, cls = "not a DfE attendance code", "–"
        data.append([L.para(L.text(code), st["cellb"]), L.para(L.text(meaning), st["cell"]),
                     L.para(cls, st["cell"]), L.para(str(n), st["cell"])])
    return L.table(data, [16 * mm, width - 96 * mm, 55 * mm, 25 * mm])


def _grid(case: Case, start: dt.date, as_of: dt.date, width: float) -> Flowable:
    """One row per week, Mon-Fri AM/PM; weeks with no marks are shown as holidays."""
    regular, bold = L.fonts()
    register = Register(m for m in case.marks if start <= m.date <= as_of)
    head = ["Week beginning", *(f"{d}\n{s}" for d in DAYS for s in ("AM", "PM"))]
    rows: list[list[str]] = [head]
    shade: list[tuple[object, ...]] = []
    week = monday(register.first_date or start)
    last = monday(as_of)
    while week <= last:
        r = len(rows)
        marks: list[str] = []
        for i in range(5):
            day = week + dt.timedelta(days=i)
            for j, sess in enumerate(("AM", "PM")):
                code = register.days.get(day, {}).get(sess)
                marks.append(code if code is not None else "–")
                if code is None or day > as_of:
                    continue
                cls = _cls(code, day)
                col = 1 + 2 * i + j
                if cls is SessionClass.UNAUTH:
                    shade.append(("BACKGROUND", (col, r), (col, r), L.RED))
                elif cls is SessionClass.AUTH:
                    shade.append(("BACKGROUND", (col, r), (col, r), L.AMBER))
        if all(m in ("–", "#") for m in marks):
            rows.append([L.short_date(week), "school holiday or closure", *[""] * 9])
            shade += [("SPAN", (1, r), (10, r)), ("BACKGROUND", (0, r), (-1, r), L.LIGHT)]
        else:
            rows.append([L.short_date(week), *marks])
        week += dt.timedelta(days=7)
    first = 30 * mm
    cols = [first] + [(width - first) / 10] * 10
    # Small enough for a whole school year (about 46 weeks) to fit on one page.
    style = [("FONT", (0, 0), (-1, -1), regular, 8.5, 10), ("FONT", (0, 0), (-1, 0), bold, 8, 9),
             ("ALIGN", (1, 0), (-1, -1), "CENTER"), ("TOPPADDING", (0, 0), (-1, -1), 0.6),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 1.4), *shade]
    return L.table(rows, cols, extra=style)


def _cls(code: str, day: dt.date) -> SessionClass | None:
    try:
        return codes.lookup(code, day).cls
    except Exception:
        return None


def _signature(case: Case, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    head = case.school.head_teacher or "the head teacher"
    return [
        L.para("Certificate", st["h2"]),
        L.para(f"I certify that this is a true extract from the attendance register of "
               f"{L.text(case.school.name)} for {L.text(case.pupil.full_name)}. This "
               "certificate is given under section 566 of the Education Act 1996, under which "
               "a certificate as to attendance signed by the head teacher is evidence of the "
               "matters stated in it.", st["body"]),
        Spacer(1, 10 * mm),
        L.table([[L.para("Signed", st["cellb"]), "", L.para("Date", st["cellb"]), ""],
                 [L.para("Head teacher", st["cellb"]), L.para(L.text(head), st["cell"]), "",
                  ""]],
                [30 * mm, 70 * mm, 20 * mm, 50 * mm], header=False,
                extra=[("TOPPADDING", (0, 0), (-1, 0), 14), ("SPAN", (1, 1), (3, 1))]),
    ]
