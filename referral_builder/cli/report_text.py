"""Plain-text renderings of a check report and of the attendance stats, for the terminal."""

from __future__ import annotations

import textwrap

from referral_builder.domain.calendar import fmt
from referral_builder.domain.checklist import Checklist
from referral_builder.domain.model import Case
from referral_builder.domain.results import AttendanceSummary, CheckReport, ItemResult
from referral_builder.domain.stats import Stats, threshold_windows

WIDTH = 100
MARKS = {"met": "MET", "not_met": "NOT MET", "not_applicable": "N/A"}


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def attendance_line(a: AttendanceSummary) -> str:
    if a.attendance_pct is None:
        return "No possible sessions are recorded this school year."
    flags = []
    if a.severe_absence:
        flags.append("severely absent")
    elif a.persistent_absence:
        flags.append("persistently absent")
    period = f"{fmt(a.start)} to {fmt(a.end)}" if a.start and a.end else "this school year"
    return (f"Attendance {period}: {a.attendance_pct:.1f}% ({a.attended} of {a.possible} "
            f"possible sessions; {a.authorised} authorised and {a.unauthorised} unauthorised "
            f"absences){'; ' + ', '.join(flags) if flags else ''}. Peak unauthorised in any 10 "
            f"school weeks: {a.max_unauthorised_in_10_school_weeks}. Unresolved N marks: "
            f"{a.unresolved_n}.")


def _item_lines(item: ItemResult) -> list[str]:
    kind = "" if item.mandatory else " (conditional or optional)"
    head = f"  {MARKS[item.status]:<8} {item.number:>8}  "
    lines = _wrap(f"{item.wording}{kind} [{item.id}]", " " * len(head))
    lines[0] = head + lines[0][len(head):]
    for reason in item.reasons:
        lines += _wrap(f"- {reason}", " " * (len(head) + 2))
    return lines


def render_check(case: Case, report: CheckReport, checklists: list[Checklist]) -> str:
    """Write the report the way a careful colleague would: what is missing first, and why."""
    p = case.pupil
    out = [f"Referral {case.reference}: {p.full_name}"
           f"{f' ({p.year_group})' if p.year_group else ''}, {case.school.name}"]
    names = "; ".join(f"{c.title} (version {c.version})" for c in checklists)
    out += _wrap(f"Checked against {names}, as of {fmt(report.as_of)}.", "")
    todo = report.outstanding
    out.append("")
    if report.ready:
        out.append(f"READY: all {len(report.items)} items are met or not applicable.")
    else:
        out.append(f"NOT READY: {len(todo)} of {len(report.items)} items still need work.")
    out.append("")
    out += _wrap(attendance_line(report.attendance), "")
    sections = (("Still to do", "not_met"), ("Met", "met"), ("Not applicable", "not_applicable"))
    for title, status in sections:
        items = [i for i in report.items if i.status == status]
        if items:
            out += ["", f"{title}:"]
            for item in items:
                out += _item_lines(item)
    if report.warnings:
        out += ["", "Worth checking:"]
        for w in report.warnings:
            out += _wrap(f"! {w}", "  ")
    return "\n".join(out) + "\n"


def render_stats(case: Case, s: Stats) -> str:
    c = s.counts
    pct = c.attendance_pct()
    out = [f"{case.pupil.full_name}, {case.school.name}: attendance as of {fmt(s.as_of)}", ""]
    out.append(f"Period: {fmt(s.period_start)} to {fmt(s.as_of)}")
    out.append(f"Possible sessions {c.possible}; present {c.present}; approved activity "
               f"{c.approved_activity}; authorised {c.authorised}; unauthorised {c.unauthorised}")
    if pct is None:
        out.append("Attendance: no possible sessions")
    else:
        state = ("severely absent (50% or less)" if c.severe_absence else
                 "persistently absent (90% or less)" if c.persistent_absence else
                 "not persistently absent")
        out.append(f"Attendance: {pct:.1f}%: {state}")
    out.append("Marks by code: " + ", ".join(f"{k} {v}" for k, v in c.by_code.items()))
    broken, weeks = s.broken_weeks
    out.append(f"Broken weeks: {broken} of {weeks} school weeks had an absence")
    out.append(f"Compulsory school age: {fmt(s.csa_start)} to {fmt(s.csa_end)}"
               f" ({'of' if s.of_csa else 'NOT of'} compulsory school age on {fmt(s.as_of)})")
    for pct_t, day in s.first_below.items():
        if day:
            out.append(f"Attendance first fell below {pct_t:g}% on {fmt(day)}")
    out += ["", "Unauthorised sessions (G, N, O, U) in 10 school weeks (national threshold 10):"]
    if s.peak:
        out.append(f"  peak {s.peak.count}, in the {s.peak.weeks} school weeks from "
                   f"{fmt(s.peak.first_week)} to {fmt(min(s.peak.end, s.as_of))}")
    met = threshold_windows(s)
    if met:
        out.append(f"  threshold met in {len(met)} windows; the latest ends {fmt(met[-1].end)}")
        for w in met[-5:]:
            out.append(f"    {fmt(w.first_week)} - {fmt(min(w.end, s.as_of))}: {w.count}"
                       f"{f' ({w.n_codes} provisional N)' if w.n_codes else ''}")
    else:
        out.append("  threshold not met in any window")
    out += ["", "Returns to the local authority:"]
    for run, due in s.attendance_returns:
        out.append(f"  10-day attendance return due {fmt(due)} (absent {fmt(run.start)} to "
                   f"{fmt(run.end)}, {run.days} school days with G, N, O or U only)")
    sick = s.sickness
    for due in sick.due_on:
        out.append(f"  15-day sickness return due {fmt(due)}")
    if not s.attendance_returns and not sick.due_on:
        out.append("  none due")
    out.append(f"  illness this school year: {sick.illness_days_this_year:g} days; longest run "
               f"{sick.longest_run_days} school days")
    if s.unresolved_n:
        out += ["", f"Unresolved N marks ({len(s.unresolved_n)}): "
                + ", ".join(f"{fmt(d)} {sess}" for d, sess in s.unresolved_n[:10])]
    if s.out_of_era:
        out += ["", f"Codes from the wrong code set for their date: {len(s.out_of_era)} (first "
                f"{s.out_of_era[0][2]} on {fmt(s.out_of_era[0][0])})"]
    return "\n".join(out) + "\n"
