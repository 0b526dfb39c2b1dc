"""Independent cases from the spec (shared/domain-rules.md), written without the rule code.

Each case takes a ready case (the Walsall `ready_case` of tests/builders.py or a ready example
of examples/), changes one thing at a boundary of a rule, and states the verdict the SPEC gives
for one item: the 7th against the 6th day of notice, a letter to only one of two parents who
live apart, a post-meeting letter dated before the meeting, the 10th unauthorised session in
10 school weeks, an N mark not yet resolved, a legacy code after 19 Aug 2024, and so on.
The comment on each case names the rule of domain-rules.md it comes from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from referral_builder.schemas.case import load_case_file

from referral_builder.checklists import get_checklist
from referral_builder.domain.engine import check
from referral_builder.domain.model import Carer, Case, Declaration, Mark
from tests.builders import (
    HALF_TERM_2026,
    REFERRAL_2026,
    D,
    absent,
    change,
    drop,
    event,
    household,
    ready_case,
    summer_to_autumn,
    term_marks,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def example(name: str) -> Case:
    return load_case_file(EXAMPLES / f"{name}-ready" / "case.json").case


def run(case: Case):
    lists = [get_checklist(case.authority)]
    if case.school_process:
        lists.append(get_checklist(case.school_process))
    return check(case, lists)


def status(case: Case, item_id: str) -> str:
    return next(i.status for i in run(case).items if i.id == item_id)


def edit(case: Case, **changes) -> Case:
    return replace(case, **changes)


def ev(case: Case, event_id: str, **changes) -> Case:
    return replace(case, events=change(case.events, event_id, **changes))


def without(case: Case, *ids: str) -> Case:
    return replace(case, events=drop(case.events, *ids))


def plus(case: Case, *events) -> Case:
    return replace(case, events=case.events + tuple(events))


def flags(case: Case, **changes) -> Case:
    return replace(case, pupil=replace(case.pupil, flags=replace(case.pupil.flags, **changes)))


def born(case: Case, dob: dt.date) -> Case:
    return replace(case, pupil=replace(case.pupil, date_of_birth=dob))


def na(case: Case, item_id: str, reason: str = "Does not apply.") -> Case:
    return replace(case, not_applicable={**case.not_applicable, item_id: reason})


def autumn(overrides: dict[tuple[dt.date, str], str] | None = None,
           end: dt.date = REFERRAL_2026) -> tuple[Mark, ...]:
    """Thu 3 Sep to `end` 2026, half-term 26-30 Oct, present unless overridden."""
    return term_marks(D(2026, 9, 3), end, holidays=(HALF_TERM_2026,), overrides=overrides)


def days(start: dt.date, n: int) -> list[dt.date]:
    """n weekdays from start, skipping half-term."""
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5 and not HALF_TERM_2026[0] <= d <= HALF_TERM_2026[1]:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


W = ready_case  # Walsall: parents live apart; meeting Mon 12 Oct 2026, invited Thu 1 Oct
B = lambda: example("bloxwich-academy")  # noqa: E731  Walsall + Bloxwich, referral Fri 11 Dec
S = lambda: example("stockport")  # noqa: E731  referral Fri 20 Nov 2026
SA = lambda: example("staged-academy")  # noqa: E731  Stockport + 002, referral Fri 4 Dec
E = lambda: example("east-sussex")  # noqa: E731  referral Fri 20 Nov 2026

ELEVEN_SEP = D(2026, 9, 11)

# (name, case builder, item id, status the spec gives)
CASES: list[tuple[str, Callable[[], Case], str, str]] = [
    # ---- Walsall (3.1) -----------------------------------------------------------------
    ("walsall invite 7 days before the meeting gives enough notice (A2, edge 39)",
     lambda: ev(ev(W(), "e3", date=D(2026, 10, 5)), "e3b", date=D(2026, 10, 5)),
     "wal_meeting_invite_written", "met"),
    ("walsall invite 6 days before the meeting is short notice (A2)",
     lambda: ev(ev(W(), "e3", date=D(2026, 10, 6)), "e3b", date=D(2026, 10, 6)),
     "wal_meeting_invite_written", "not_met"),
    ("walsall invite sent to only one of two parents who live apart (item 2, every parent)",
     lambda: without(W(), "e3b"), "wal_meeting_invite_written", "not_met"),
    ("walsall invite to a meeting with no time stated (item 2, specific time and date)",
     lambda: ev(W(), "m1", time=None), "wal_meeting_invite_written", "not_met"),
    ("walsall invite by text message is not in writing (edge 29)",
     lambda: ev(ev(W(), "e3", type="text"), "e3b", type="text"),
     "wal_meeting_invite_written", "not_met"),
    ("walsall invite by email 7 days ahead is in writing (item 2)",
     lambda: ev(ev(W(), "e3", type="email", date=D(2026, 10, 5)), "e3b", type="email",
                date=D(2026, 10, 5)),
     "wal_meeting_invite_written", "met"),
    ("walsall invite sent last day before half-term for the first week back (edge 11)",
     lambda: ev(ev(ev(W(), "e3", date=D(2026, 10, 23)), "e3b", date=D(2026, 10, 23)),
                "m1", date=D(2026, 11, 2)),
     "wal_meeting_invite_written", "met"),
    ("walsall post-meeting letter dated before the meeting (item 3)",
     lambda: ev(ev(W(), "e4", date=D(2026, 10, 9)), "e4b", date=D(2026, 10, 9)),
     "wal_post_meeting_letter", "not_met"),
    ("walsall post-meeting letter on the day of the meeting (item 3, same day allowed)",
     lambda: ev(ev(W(), "e4", date=D(2026, 10, 12)), "e4b", date=D(2026, 10, 12)),
     "wal_post_meeting_letter", "met"),
    ("walsall post-meeting letter without the attendance % (item 3)",
     lambda: ev(ev(W(), "e4", states_attendance_pct=None), "e4b",
                states_attendance_pct=None),
     "wal_post_meeting_letter", "not_met"),
    ("walsall post-meeting letter only to the parent who came (edge 5)",
     lambda: without(W(), "e4b"), "wal_post_meeting_letter", "not_met"),
    ("walsall post-meeting letter still needed when nobody came (edge 3)",
     lambda: without(ev(W(), "m1", attended=(), status="did_not_attend"), "e4", "e4b"),
     "wal_post_meeting_letter", "not_met"),
    ("walsall warning letter to only one of two parents (item 8, edge 1)",
     lambda: without(W(), "e7b"), "wal_warning_letter_each_parent", "not_met"),
    ("walsall one posted warning letter to parents at two addresses (A23)",
     lambda: ev(without(W(), "e7b"), "e7", to=["c1", "c2"]),
     "wal_warning_letter_each_parent", "not_met"),
    ("walsall one posted warning letter to parents at one address (A23)",
     lambda: ev(without(edit(W(), carers=household()), "e7b"), "e7", to=["c1", "c2"]),
     "wal_warning_letter_each_parent", "met"),
    ("walsall warning by email is not the School Warning Letter item 8 asks for (3.1)",
     lambda: ev(ev(W(), "e7", type="email"), "e7b", type="email"),
     "wal_warning_letter_each_parent", "not_met"),
    ("walsall warning letters without the attendance certificate (item 8)",
     lambda: ev(ev(W(), "e7", encloses=[]), "e7b", encloses=[]),
     "wal_warning_letter_each_parent", "not_met"),
    ("walsall warning letters dated after the referral (item 8)",
     lambda: ev(ev(W(), "e7", date=D(2026, 11, 23)), "e7b", date=D(2026, 11, 23)),
     "wal_warning_letter_each_parent", "not_met"),
    ("walsall parent under a court order needs no warning letter (edge 1)",
     lambda: without(edit(W(), carers=(W().carers[0], replace(
         W().carers[1], contact_restriction="Non-molestation order"))), "e7b"),
     "wal_warning_letter_each_parent", "met"),
    ("walsall step-father with day-to-day care needs his own warning letter (s.576)",
     lambda: edit(W(), carers=(*W().carers, Carer(
         "c3", "Tom Brown", "step-father", False, True, "99 Oak Road, Walsall WS3 9ZZ"))),
     "wal_warning_letter_each_parent", "not_met"),
    ("walsall grandmother with neither PR nor care needs no letter (s.576)",
     lambda: edit(W(), carers=(*W().carers, Carer(
         "c3", "Ann Smith", "grandmother", False, False, "1 Ash Road, Walsall"))),
     "wal_warning_letter_each_parent", "met"),
    ("walsall continued-concern letter dated before the first concern letter (item 6)",
     lambda: ev(W(), "e6", date=D(2026, 9, 18)), "wal_letters_continued_concern", "not_met"),
    ("walsall concern letter in week 13 before the referral is outside the window (A1)",
     lambda: ev(edit(W(), marks=summer_to_autumn()), "e1", date=D(2026, 7, 10)),
     "wal_letters_attendance_concern", "not_met"),
    ("walsall concern letter in week 12 before the referral is inside the window (A1)",
     lambda: ev(edit(W(), marks=summer_to_autumn()), "e1", date=D(2026, 7, 13)),
     "wal_letters_attendance_concern", "met"),
    ("walsall undated concern letter cannot be placed in the window (edge 29)",
     lambda: ev(W(), "e1", date=None), "wal_letters_attendance_concern", "not_met"),
    ("walsall support referral dated after the referral (item 7)",
     lambda: ev(W(), "e5", date=D(2026, 11, 23)), "wal_support_referrals", "not_met"),
    ("walsall social worker involved but N/A declared (A28, item 4)",
     lambda: flags(W(), social_worker=True), "wal_external_party_communication", "not_met"),
    ("walsall social worker contacted inside the window (item 4)",
     lambda: plus(flags(W(), social_worker=True), event(
         "sw", "agency_contact", D(2026, 11, 3), agency="social_worker")),
     "wal_external_party_communication", "met"),
    ("walsall illness mark with medical investigation declared N/A (A28, item 5)",
     lambda: na(without(W(), "e5"), "wal_medical_investigated"),
     "wal_medical_investigated", "not_met"),
    ("walsall no illness and no medical flag: medical item N/A (item 5)",
     lambda: na(without(edit(W(), marks=term_marks(overrides=absent([D(2026, 9, 14)]))),
                        "e5"), "wal_medical_investigated"),
     "wal_medical_investigated", "not_applicable"),
    ("walsall medical flag with no I/M marks still needs investigation (item 5)",
     lambda: na(without(flags(edit(W(), marks=term_marks(overrides=absent([D(2026, 9, 14)]))),
                              medical_needs=True), "e5"), "wal_medical_investigated"),
     "wal_medical_investigated", "not_met"),
    ("walsall pupil whose 5th birthday is 31 Aug 2026 is of CSA in November (NR-06)",
     lambda: born(W(), D(2021, 8, 31)), "wal_gate_csa", "met"),
    ("walsall pupil whose 5th birthday is 1 Sep 2026 is not of CSA until 31 Dec (NR-06)",
     lambda: born(W(), D(2021, 9, 1)), "wal_gate_csa", "not_met"),
    ("walsall pupil who turned 16 in July 2026 left CSA on 26 Jun 2026 (NR-07)",
     lambda: born(W(), D(2010, 7, 15)), "wal_gate_csa", "not_met"),
    ("walsall pupil who turns 16 in September 2026 is still of CSA (NR-07)",
     lambda: born(W(), D(2010, 9, 1)), "wal_gate_csa", "met"),
    ("walsall confirmation box not ticked (wal_gate_confirmation)",
     lambda: edit(W(), declaration=Declaration(False)), "wal_gate_confirmation", "not_met"),
    ("walsall pupil born 29 Feb 2020 is of CSA from 31 Mar 2025 (NR-06 edge)",
     lambda: born(W(), D(2020, 2, 29)), "wal_gate_csa", "met"),
    ("walsall pupil who turned 16 on 31 Aug 2026 left CSA on 26 Jun 2026 (NR-07)",
     lambda: born(W(), D(2010, 8, 31)), "wal_gate_csa", "not_met"),
    ("walsall invite dated after the meeting gives no notice (item 2)",
     lambda: ev(ev(W(), "e3", date=D(2026, 10, 13)), "e3b", date=D(2026, 10, 13)),
     "wal_meeting_invite_written", "not_met"),
    ("walsall post-meeting letters after a meeting that was cancelled (item 3)",
     lambda: ev(W(), "m1", status="cancelled", attended=()),
     "wal_post_meeting_letter", "not_met"),
    ("walsall invite for a meeting the school cancelled (item 2)",
     lambda: ev(W(), "m1", status="cancelled", attended=()),
     "wal_meeting_invite_written", "not_met"),
    ("walsall one posted invite to parents at two addresses reaches neither (A23, item 2)",
     lambda: ev(without(W(), "e3b"), "e3", to=["c1", "c2"]),
     "wal_meeting_invite_written", "not_met"),
    ("walsall one invite email to parents at two addresses reaches each (A23, item 2)",
     lambda: ev(without(W(), "e3b"), "e3", to=["c1", "c2"], type="email"),
     "wal_meeting_invite_written", "met"),
    ("walsall one posted post-meeting letter to parents at two addresses (A23, edge 5)",
     lambda: ev(without(W(), "e4b"), "e4", to=["c1", "c2"]),
     "wal_post_meeting_letter", "not_met"),
    ("walsall support referral in week 13 before the referral is outside the window (A1)",
     lambda: ev(edit(W(), marks=summer_to_autumn()), "e5", date=D(2026, 7, 10)),
     "wal_support_referrals", "not_met"),
    ("walsall certificate from a register ending 5 school days before the referral (A3)",
     lambda: edit(W(), marks=term_marks(end=D(2026, 11, 13))),
     "wal_current_attendance_certificate", "met"),
    ("walsall certificate from a register ending 6 school days before the referral (A3)",
     lambda: edit(W(), marks=term_marks(end=D(2026, 11, 12))),
     "wal_current_attendance_certificate", "not_met"),
    ("walsall referral with an absence still coded N since 13 Oct (edge 10, A22)",
     lambda: edit(W(), marks=term_marks(overrides=absent([D(2026, 10, 13)], "N"))),
     "wal_current_attendance_certificate", "not_met"),
    ("walsall referral after the N of 13 Oct was resolved to O (edge 10)",
     lambda: edit(W(), marks=term_marks(overrides=absent([D(2026, 10, 13)], "O"))),
     "wal_current_attendance_certificate", "met"),
    ("walsall Early Help contact before the 12-week window (item 4, A1)",
     lambda: plus(flags(edit(W(), marks=summer_to_autumn()), early_help=True),
                  event("eh", "agency_contact", D(2026, 7, 1), agency="early_help")),
     "wal_external_party_communication", "not_met"),
    ("walsall social worker and CAMHS involved, only the social worker contacted (item 4)",
     lambda: plus(flags(W(), social_worker=True, camhs=True),
                  event("sw", "agency_contact", D(2026, 11, 3), agency="social_worker")),
     "wal_external_party_communication", "not_met"),
    # ---- Bloxwich (3.2) ----------------------------------------------------------------
    ("bloxwich AO invite 7 days before the meeting (item 2)",
     lambda: B(), "blx_meeting_invite_ao", "met"),
    ("bloxwich AO invite 6 days before the meeting (item 2)",
     lambda: ev(ev(B(), "e05c1", date=D(2026, 10, 9)), "e05c2", date=D(2026, 10, 9)),
     "blx_meeting_invite_ao", "not_met"),
    ("bloxwich invite to only one parent (item 2, every parent/carer)",
     lambda: without(B(), "e05c2"), "blx_meeting_invite_ao", "not_met"),
    ("bloxwich invite within two weeks of the Stage 1 letter (item 2, 10 school days)",
     lambda: ev(ev(ev(B(), "e05c1", date=D(2026, 10, 2)), "e05c2", date=D(2026, 10, 2)),
                "e06", date=D(2026, 10, 5)),
     "blx_meeting_invite_ao", "not_met"),
    ("bloxwich text reminder sent the day after the meeting (item 2a)",
     lambda: ev(B(), "e06", date=D(2026, 10, 16)), "blx_meeting_text_reminder", "not_met"),
    ("bloxwich no phone call or email to the father (item 0a, all parents)",
     lambda: without(B(), "e02"), "blx_phone_email_all_parents", "not_met"),
    ("bloxwich Early Help offered a week after the first meeting (item 3)",
     lambda: ev(B(), "e07", date=D(2026, 10, 22)), "blx_early_help_offered", "not_met"),
    ("bloxwich Early Help offer with no outcome recorded (item 3)",
     lambda: ev(B(), "e07", outcome="pending"), "blx_early_help_offered", "not_met"),
    ("bloxwich no post-meeting letter after the second meeting (item 5, every meeting)",
     lambda: without(B(), "p3c1", "p3c2"), "blx_post_meeting_letter_ao", "not_met"),
    ("bloxwich post-meeting letter before the second meeting (item 5)",
     lambda: ev(ev(B(), "p3c1", date=D(2026, 11, 18)), "p3c2", date=D(2026, 11, 18)),
     "blx_post_meeting_letter_ao", "not_met"),
    ("bloxwich parents missed the meeting and no DNA letter was sent (item 2b)",
     lambda: ev(B(), "m1", attended=(), status="did_not_attend"),
     "blx_dna_letter_and_reinvite", "not_met"),
    ("bloxwich illness marks without medical proof (item 0d/1, A29)",
     lambda: edit(B(), marks=tuple(
         replace(m, code="I") if m.date in (D(2026, 11, 2), D(2026, 11, 3)) else m
         for m in B().marks)),
     "blx_no_auth_without_medical", "not_met"),
    ("bloxwich AO request to the welfare mailbox after the referral (item 12)",
     lambda: ev(B(), "e12", date=D(2026, 12, 14)), "blx_ao_request_record_of_support",
     "not_met"),
    ("bloxwich one warning email to parents who live apart reaches each (A23, item 11)",
     lambda: ev(without(edit(B(), carers=(B().carers[0], replace(
         B().carers[1], address="4 Mill Lane, Bloxwich WS3 2BB"))), "e13c2"), "e13c1",
         to=["c1", "c2"], type="email"),
     "blx_warning_letter_each_parent", "met"),
    ("bloxwich one posted warning letter to parents who live apart (A23, item 11)",
     lambda: ev(without(edit(B(), carers=(B().carers[0], replace(
         B().carers[1], address="4 Mill Lane, Bloxwich WS3 2BB"))), "e13c2"), "e13c1",
         to=["c1", "c2"]),
     "blx_warning_letter_each_parent", "not_met"),
    ("bloxwich warning letter to only one parent (item 11)",
     lambda: without(B(), "e13c2"), "blx_warning_letter_each_parent", "not_met"),
    ("bloxwich 92% warning letter on the first day of term at 100% (item 0e)",
     lambda: ev(ev(ev(ev(B(), "e04c1", date=D(2026, 9, 3)), "e04c2", date=D(2026, 9, 3)),
                   "e13c1", purposes=["warning_legal_referral"]), "e13c2",
                purposes=["warning_legal_referral"]),
     "blx_warning_letter_92", "not_met"),
    ("bloxwich Stage 1 letters all sent before attendance dipped below 95% (item 0b, A4)",
     lambda: without(ev(ev(ev(B(), "e02", date=D(2026, 9, 3)), "e03c1", date=D(2026, 9, 3)),
                        "e03c2", date=D(2026, 9, 3)), "e11c1", "e11c2"),
     "blx_stage1_letters", "not_met"),
    ("bloxwich second meeting 20 school days after the first (Stage 2, A5)",
     lambda: B(), "blx_stage2_second_meeting", "met"),
    ("bloxwich second meeting 19 school days after the first (Stage 2, A5)",
     lambda: ev(ev(ev(B(), "m3", date=D(2026, 11, 18)), "p3c1", date=D(2026, 11, 18)),
                "p3c2", date=D(2026, 11, 18)),
     "blx_stage2_second_meeting", "not_met"),
    ("bloxwich missed meeting with a DNA letter and a re-invite for the following week "
     "(item 2b, A7)",
     lambda: plus(ev(B(), "m1", attended=(), status="did_not_attend"),
                  event("dna", "letter", D(2026, 10, 16), to=["c1", "c2"],
                        by=("Kerry Jones", "Attendance Officer"), purposes=["did_not_attend"],
                        meeting="m1"),
                  event("ri", "letter", D(2026, 10, 16), to=["c1", "c2"],
                        by=("Kerry Jones", "Attendance Officer"), purposes=["meeting_invite"],
                        meeting="m2"),
                  event("m2", "meeting", D(2026, 10, 21), time="09:00",
                        kind="attendance_meeting", attended=["c1"], status="held")),
     "blx_dna_letter_and_reinvite", "met"),
    ("bloxwich missed meeting re-invited for two weeks later (item 2b, A7)",
     lambda: plus(ev(B(), "m1", attended=(), status="did_not_attend"),
                  event("dna", "letter", D(2026, 10, 16), to=["c1", "c2"],
                        by=("Kerry Jones", "Attendance Officer"), purposes=["did_not_attend"],
                        meeting="m1"),
                  event("ri", "letter", D(2026, 10, 16), to=["c1", "c2"],
                        by=("Kerry Jones", "Attendance Officer"), purposes=["meeting_invite"],
                        meeting="m2"),
                  event("m2", "meeting", D(2026, 11, 4), time="09:00",
                        kind="attendance_meeting", attended=["c1"], status="held")),
     "blx_dna_letter_and_reinvite", "not_met"),
    ("bloxwich no parenting contract offered and no reason recorded (item 4, NR-18)",
     lambda: without(B(), "e08"), "blx_parenting_contract_offered", "not_met"),
    ("bloxwich no parenting contract offered, the reason recorded (item 4, NR-18)",
     lambda: na(without(B(), "e08"), "blx_parenting_contract_offered",
                "Not appropriate: the father works nights and the mother refused to sign."),
     "blx_parenting_contract_offered", "not_applicable"),
    ("bloxwich referral with a holiday still coded N on 1 Dec (edge 10, Walsall item 10)",
     lambda: edit(B(), marks=tuple(replace(m, code="N") if m.date == D(2026, 12, 1) else m
                                   for m in B().marks)),
     "wal_current_attendance_certificate", "not_met"),
    ("bloxwich referral on 20 Oct before the six weeks from 21 Sep have run (A24)",
     lambda: edit(B(), referral_date=D(2026, 10, 20)), "blx_stage1_six_week_period",
     "not_met"),
    ("bloxwich meeting reminder sent by letter, not text (item 2a)",
     lambda: ev(B(), "e06", type="letter"), "blx_meeting_text_reminder", "not_met"),
    # ---- Stockport (3.5) ---------------------------------------------------------------
    ("stockport 10 unauthorised sessions in 10 school weeks meets the threshold (NR-09, A17)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 9, 14), 5)))),
     "stk_s3_threshold", "met"),
    ("stockport 9 unauthorised sessions in 10 school weeks is below the threshold (NR-09)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 9, 14), 4)) | {
         (D(2026, 9, 18), "AM"): "O"})),
     "stk_s3_threshold", "not_met"),
    ("stockport 2 sessions on 3 Sep and 8 in the referral week are never 10 in 10 weeks "
     "(NR-09)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 11, 16), 4)) | absent(
         [D(2026, 9, 3)]))),
     "stk_s3_threshold", "not_met"),
    ("stockport 9 O and a late-after-registers U make 10 (NR-09, edge 24)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 9, 14), 4)) | {
         (D(2026, 9, 18), "AM"): "O", (D(2026, 9, 21), "AM"): "U"})),
     "stk_s3_threshold", "met"),
    ("stockport 9 O and an L within registration stay at 9 (NR-09, edge 24)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 9, 14), 4)) | {
         (D(2026, 9, 18), "AM"): "O", (D(2026, 9, 21), "AM"): "L"})),
     "stk_s3_threshold", "not_met"),
    ("stockport five days of term-time holiday G meet the threshold (edge 21)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 9, 14), 5), "G"))),
     "stk_s3_threshold", "met"),
    ("stockport threshold with an unresolved N in the window is blocked (A22, edge 10)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 9, 14), 4)) | {
         (D(2026, 11, 19), "AM"): "N", (D(2026, 11, 19), "PM"): "N"})),
     "stk_s3_threshold", "not_met"),
    ("stockport unresolved N marks are not accurate marks (stk_s2_accurate_marks)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 9, 14), 5)) | {
         (D(2026, 11, 19), "AM"): "N"})),
     "stk_s2_accurate_marks", "not_met"),
    ("stockport legacy H mark in November 2026 is not a 2024 code (2.2)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 9, 14), 5)) | {
         (D(2026, 11, 19), "AM"): "H"})),
     "stk_s2_accurate_marks", "not_met"),
    ("stockport 10 O marks with an afternoon left unmarked in the window are not relied on "
     "(NR-02, edge 34)",
     lambda: edit(S(), marks=tuple(m for m in autumn(absent(days(D(2026, 11, 9), 5)))
                                   if (m.date, m.session) != (D(2026, 11, 4), "PM"))),
     "stk_s3_threshold", "not_met"),
    ("stockport 10 O marks with a '-' mark in the window are not relied on (NR-02)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 11, 9), 5)) | {
         (D(2026, 11, 4), "PM"): "-"})),
     "stk_s3_threshold", "not_met"),
    ("stockport 10 O marks in a complete register meet the threshold (NR-09)",
     lambda: edit(S(), marks=autumn(absent(days(D(2026, 11, 9), 5)))),
     "stk_s3_threshold", "met"),
    ("stockport the referral day's afternoon still to be marked does not block (NR-09)",
     lambda: edit(S(), marks=tuple(m for m in autumn(absent(days(D(2026, 11, 9), 5)))
                                   if (m.date, m.session) != (D(2026, 11, 20), "PM"))),
     "stk_s3_threshold", "met"),
    ("stockport Stage 2 letter to only one of two parents (stk_s2_letter)",
     lambda: without(S(), "sc2"), "stk_s2_letter", "not_met"),
    ("stockport Stage 2 letter for a meeting with no time (stk_s2_letter)",
     lambda: ev(S(), "m1", time=None), "stk_s2_letter", "not_met"),
    ("stockport Stage 2 letter dated the day of the meeting (stk_s2_letter)",
     lambda: ev(ev(S(), "sc1", date=D(2026, 10, 8)), "sc2", date=D(2026, 10, 8)),
     "stk_s2_letter", "not_met"),
    ("stockport referral before a full Stage 2 review period (stk_s3_stage1_2_actions)",
     lambda: ev(S(), "m1", date=D(2026, 11, 2)), "stk_s3_stage1_2_actions", "not_met"),
    ("stockport referral without why parents could do more (stk_s3)",
     lambda: edit(S(), free_text={}), "stk_s3_why_parents_could_do_more", "not_met"),
    ("stockport TAC/TAF family with the consultation declared N/A (A28)",
     lambda: flags(S(), tac_taf=True), "stk_s3_tac_cp_consultation", "not_met"),
    ("stockport social worker with informing declared N/A (A28)",
     lambda: flags(S(), social_worker=True), "stk_s1_inform_social_worker", "not_met"),
    ("stockport 10 school days of O across half-term need a missing-from-school return (NR-13)",
     lambda: na(edit(S(), marks=autumn(absent(days(D(2026, 10, 19), 10)))),
                "stk_s2_missing_from_school"),
     "stk_s2_missing_from_school", "not_met"),
    ("stockport 10 days of O broken by one L need no return (NR-13)",
     lambda: na(edit(S(), marks=autumn(absent(days(D(2026, 10, 19), 10)) | {
         (D(2026, 11, 3), "AM"): "L"})), "stk_s2_missing_from_school"),
     "stk_s2_missing_from_school", "not_applicable"),
    ("stockport 15 school days of illness need a sickness return (NR-14)",
     lambda: na(edit(S(), marks=autumn(absent(days(D(2026, 10, 5), 15), "I"))),
                "stk_s2_sickness_return"),
     "stk_s2_sickness_return", "not_met"),
    ("stockport 14 school days of illness need no sickness return (NR-14)",
     lambda: na(edit(S(), marks=autumn(absent(days(D(2026, 10, 5), 14), "I"))),
                "stk_s2_sickness_return"),
     "stk_s2_sickness_return", "not_applicable"),
    ("stockport pupil not yet of CSA (NR-06)",
     lambda: born(S(), D(2021, 10, 1)), "stk_gate_csa", "not_met"),
    ("stockport 10 days of O with an INSET day inside still need a return (NR-13)",
     lambda: na(edit(S(), marks=autumn(absent(days(D(2026, 11, 2), 11)) | absent(
         [D(2026, 11, 9)], "#"))), "stk_s2_missing_from_school"),
     "stk_s2_missing_from_school", "not_met"),
    ("stockport 10 days of O broken by a Y1 transport day need no return (NR-13, edge 20)",
     lambda: na(edit(S(), marks=autumn(absent(days(D(2026, 11, 2), 11)) | absent(
         [D(2026, 11, 9)], "Y1"))), "stk_s2_missing_from_school"),
     "stk_s2_missing_from_school", "not_applicable"),
    ("stockport 15 separate days of illness in the year need a sickness return (NR-14)",
     lambda: na(edit(S(), marks=autumn(absent(
         [D(2026, 9, 7), D(2026, 9, 14), D(2026, 9, 21), D(2026, 9, 28), D(2026, 10, 5),
          D(2026, 10, 12), D(2026, 10, 19), D(2026, 11, 2), D(2026, 11, 4), D(2026, 11, 6),
          D(2026, 11, 9), D(2026, 11, 11), D(2026, 11, 13), D(2026, 11, 16),
          D(2026, 11, 18)], "I"))), "stk_s2_sickness_return"),
     "stk_s2_sickness_return", "not_met"),
    ("stockport 14 and a half days of illness need no sickness return (NR-14)",
     lambda: na(edit(S(), marks=autumn(absent(days(D(2026, 9, 7), 14), "I") | {
         (D(2026, 9, 28), "AM"): "I"})), "stk_s2_sickness_return"),
     "stk_s2_sickness_return", "not_applicable"),
    ("stockport plan review 15 school days after the meeting is too soon (stk_s2, 4-6 weeks)",
     lambda: ev(S(), "r1", date=D(2026, 11, 5)), "stk_s2_plan_reviews", "not_met"),
    ("stockport plan review 22 school days after the meeting (stk_s2, 4-6 weeks)",
     lambda: S(), "stk_s2_plan_reviews", "met"),
    ("stockport Early Help refused at Stage 1 and never offered again (stk_s2_eha_reoffer)",
     lambda: without(S(), "o2"), "stk_s2_eha_reoffer", "not_met"),
    ("stockport step-father with day-to-day care gets no Stage 2 letter (stk_s2_letter)",
     lambda: edit(S(), carers=(*S().carers, Carer(
         "c3", "Mark Jones", "step-father", False, True, "41 Gorton Road, Stockport SK5 6AA"))),
     "stk_s2_letter", "not_met"),
    # ---- staged academy 002 (3.3) ------------------------------------------------------
    ("staged enforcement letter 1 before the attendance panel (sif)",
     lambda: ev(ev(SA(), "elc1", date=D(2026, 11, 10)), "elc2", date=D(2026, 11, 10)),
     "sif_enforcement_letter_1", "not_met"),
    ("staged initial review 10 school days after Enforcement Letter 1 (sif_initial_review)",
     lambda: SA(), "sif_initial_review", "met"),
    ("staged initial review 9 school days after Enforcement Letter 1 (sif_initial_review)",
     lambda: ev(SA(), "r1", date=D(2026, 11, 25)), "sif_initial_review", "not_met"),
    ("staged review of the meeting is not the initial review (A27)",
     lambda: ev(SA(), "r1", of="m1"), "sif_initial_review", "not_met"),
    ("staged unresolved N with the N letter declared N/A (sif_n_code_letter)",
     lambda: na(edit(SA(), marks=tuple(
         replace(m, code="N") if m.date == D(2026, 12, 3) else m for m in SA().marks)),
         "sif_n_code_letter"),
     "sif_n_code_letter", "not_met"),
    ("staged panel review 15 school days after the panel (sif_panel_review_period)",
     lambda: SA(), "sif_panel_review_period", "met"),
    ("staged panel review 14 school days after the panel (sif_panel_review_period)",
     lambda: ev(SA(), "r2", date=D(2026, 12, 1)), "sif_panel_review_period", "not_met"),
    ("staged Stage 3 at 79.8% with 25 unauthorised sessions in 6 weeks (3.3 Stage 3)",
     lambda: edit(SA(), marks=autumn(absent(days(D(2026, 11, 9), 12)) | {
         (D(2026, 11, 25), "AM"): "O"}, end=D(2026, 12, 4))),
     "sif_stage3_la_referral", "met"),
    ("staged Stage 3 at 80.6% is not below 80% (3.3 Stage 3, edge 23)",
     lambda: edit(SA(), marks=autumn(absent(days(D(2026, 11, 9), 12)),
                                     end=D(2026, 12, 4))),
     "sif_stage3_la_referral", "not_met"),
    ("staged Stage 3 below 80% from illness has fewer than 10 unauthorised (3.3 edge)",
     lambda: edit(SA(), marks=autumn(absent(days(D(2026, 11, 9), 12), "I") | {
         (D(2026, 11, 25), "AM"): "O"}, end=D(2026, 12, 4))),
     "sif_stage3_la_referral", "not_met"),
    # ---- East Sussex (3.4) -------------------------------------------------------------
    ("east sussex penalty notice with 10 O sessions before its date (NR-09, A30)",
     lambda: edit(E(), marks=autumn(absent(days(D(2026, 9, 21), 5)))),
     "esx_penalty_notice", "met"),
    ("east sussex penalty notice justified only by absences after it (A30)",
     lambda: edit(E(), marks=autumn(absent(days(D(2026, 10, 19), 5)))),
     "esx_penalty_notice", "not_met"),
    ("east sussex penalty notice counting 9 O sessions before its date (NR-09)",
     lambda: edit(E(), marks=autumn(absent(days(D(2026, 9, 21), 4)) | {
         (D(2026, 9, 25), "AM"): "O"})),
     "esx_penalty_notice", "not_met"),
    ("east sussex third penalty notice to the mother within 3 years (NR-10)",
     lambda: plus(edit(E(), marks=autumn(absent(days(D(2026, 9, 21), 5)))),
                  event("pn1", "penalty_notice", D(2024, 11, 4), to=["c1"], status="paid"),
                  event("pn2", "penalty_notice", D(2025, 6, 9), to=["c1"], status="paid")),
     "esx_penalty_notice", "not_met"),
    ("east sussex second penalty notice to the mother within 3 years (NR-10)",
     lambda: plus(edit(E(), marks=autumn(absent(days(D(2026, 9, 21), 5)))),
                  event("pn2", "penalty_notice", D(2025, 6, 9), to=["c1"], status="paid")),
     "esx_penalty_notice", "met"),
    ("east sussex earlier notices withdrawn do not count (NR-10)",
     lambda: plus(edit(E(), marks=autumn(absent(days(D(2026, 9, 21), 5)))),
                  event("pn1", "penalty_notice", D(2024, 11, 4), to=["c1"], status="withdrawn"),
                  event("pn2", "penalty_notice", D(2025, 6, 9), to=["c1"], status="paid")),
     "esx_penalty_notice", "met"),
    ("east sussex notices more than 3 years before do not count (NR-10)",
     lambda: plus(edit(E(), marks=autumn(absent(days(D(2026, 9, 21), 5)))),
                  event("pn1", "penalty_notice", D(2023, 10, 2), to=["c1"], status="paid"),
                  event("pn2", "penalty_notice", D(2025, 6, 9), to=["c1"], status="paid")),
     "esx_penalty_notice", "met"),
    ("east sussex Letter 1 sent only to the mother, parents apart (4, each parent)",
     lambda: without(E(), "l1c2"), "esx_letter_1_warning", "not_met"),
    ("east sussex Letter 2 sent only to the mother who came (4, edge 5)",
     lambda: without(E(), "l2c2"), "esx_letter_2_actions", "not_met"),
    ("east sussex Letter 3 sent only to the mother (4, edge 5)",
     lambda: without(E(), "l3c2"), "esx_letter_3_second_warning", "not_met"),
    ("east sussex Letter 1 to the mother only when the father has a court order (edge 1)",
     lambda: without(edit(E(), carers=(E().carers[0], replace(
         E().carers[1], contact_restriction="Prohibited steps order"))), "l1c2"),
     "esx_letter_1_warning", "met"),
    ("staged Enforcement Letter 1 sent only to the mother (3.3, each parent)",
     lambda: without(SA(), "elc2"), "sif_enforcement_letter_1", "not_met"),
    ("east sussex teacher meeting 10 school days after Letter 1 (esx)",
     lambda: E(), "esx_meeting_teacher_deputy", "met"),
    ("east sussex teacher meeting 9 school days after Letter 1 (esx)",
     lambda: ev(E(), "m1", date=D(2026, 10, 5)), "esx_meeting_teacher_deputy", "not_met"),
    ("east sussex Letter 2 dated before the teacher meeting (esx_letter_2_actions)",
     lambda: ev(ev(E(), "l2c1", date=D(2026, 10, 5)), "l2c2", date=D(2026, 10, 5)),
     "esx_letter_2_actions", "not_met"),
    ("east sussex Letter 3 dated before the Head of School meeting (esx_letter_3)",
     lambda: ev(ev(E(), "l3c1", date=D(2026, 10, 14)), "l3c2", date=D(2026, 10, 14)),
     "esx_letter_3_second_warning", "not_met"),
    ("east sussex Letter 1 on the first day of term at 100% (esx_letter_1_warning)",
     lambda: ev(ev(E(), "l1c1", date=D(2026, 9, 3)), "l1c2", date=D(2026, 9, 3)),
     "esx_letter_1_warning", "not_met"),
    ("east sussex SPOC's blank form without the completed form (A25)",
     lambda: edit(E(), documents=tuple(
         replace(d, kind="other") if d.kind == "referral_form" else d
         for d in E().documents)),
     "esx_ast_referral_form", "not_met"),
    ("east sussex SPOC consulted after the referral (esx_ast_spoc_consulted)",
     lambda: without(ev(E(), "s1", date=D(2026, 11, 23)), "s2"),
     "esx_ast_spoc_consulted", "not_met"),
    ("east sussex contract review found improvement (esx_ast_parent_contract_reviewed)",
     lambda: ev(E(), "r2", improved=True), "esx_ast_parent_contract_reviewed", "not_met"),
    ("east sussex no contract review at all (esx_ast_parent_contract_reviewed)",
     lambda: without(E(), "r2"), "esx_ast_parent_contract_reviewed", "not_met"),
]


@pytest.mark.parametrize(("case", "item_id", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_engine_gives_the_verdict_the_spec_gives(case, item_id, expected):
    report = run(case())
    got = next((i for i in report.items if i.id == item_id), None)
    assert got is not None, f"{item_id} is not checked"
    assert got.status == expected, got.reasons


@pytest.mark.parametrize("name", ["walsall", "bloxwich-academy", "stockport",
                                  "staged-academy", "east-sussex"])
def test_each_ready_case_is_ready(name):
    case = W() if name == "walsall" else example(name)
    report = run(case)
    assert report.ready, {i.id: i.reasons for i in report.items if i.status == "not_met"}



def _odd(case: Case):
    """Odd but valid versions of a case (task: the engine never crashes on them)."""
    yield "no carers", edit(case, carers=())
    yield "a carer with no address", edit(case, carers=tuple(
        replace(c, address="", email="", phone="") for c in case.carers))
    yield "every event undated", edit(case, events=tuple(replace(e, date=None)
                                                         for e in case.events))
    yield "an empty register", edit(case, marks=())
    yield "a register ending in September", edit(
        case, marks=tuple(m for m in case.marks if m.date < D(2026, 10, 1)))
    yield "meetings with no time, status, kind or attendance", edit(case, events=tuple(
        replace(e, time=None, status=None, attended=None, kind=None)
        if e.type == "meeting" else e for e in case.events))
    yield "every mark '-'", edit(case, marks=tuple(replace(m, code="-") for m in case.marks))
    yield "a pupil born after the referral", born(case, D(2027, 1, 1))
    yield "no events", edit(case, events=())


@pytest.mark.parametrize("name", ["walsall", "bloxwich-academy", "stockport",
                                  "staged-academy", "east-sussex"])
def test_odd_but_valid_cases_are_checked_without_crashing(name):
    base = W() if name == "walsall" else example(name)
    for what, case in _odd(base):
        report = run(case)
        assert report.items, what
        if what in ("no events", "every event undated", "an empty register",
                    "every mark '-'", "a pupil born after the referral"):
            assert not report.ready, what


def test_a_legacy_j_interview_before_19_august_2024_counts_as_attendance():
    from referral_builder.domain.register import Register

    july = [Mark(D(2024, 7, 15), "AM", "J"), Mark(D(2024, 7, 15), "PM", "\\"),
            Mark(D(2024, 9, 9), "AM", "J1"), Mark(D(2024, 9, 9), "PM", "\\")]
    before = Register(july).counts(D(2024, 7, 1), D(2024, 7, 31))
    after = Register(july).counts(D(2024, 9, 1), D(2024, 9, 30))
    assert (before.attended, before.authorised) == (2, 0)  # J was approved activity (2.2)
    assert (after.attended, after.authorised) == (1, 1)  # J1 is authorised absence (2.1)


def test_a_legacy_h_holiday_after_19_august_2024_is_not_an_accurate_mark():
    case = edit(S(), marks=autumn(absent(days(D(2026, 9, 14), 5)) | {
        (D(2026, 11, 18), "AM"): "H"}))
    report = run(case)
    assert not report.ready
    assert "H on 18 Nov 2026 AM" in " ".join(
        next(i for i in report.items if i.id == "stk_s2_accurate_marks").reasons)
