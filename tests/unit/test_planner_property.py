"""Property: doing exactly the planned steps on their `by` dates (or as early as allowed)
makes the case ready on `earliest_referral_date`, checked by the engine itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral_builder.checklists import get_checklist
from referral_builder.domain.engine import check
from referral_builder.domain.model import Declaration
from referral_builder.domain.planner import plan, simulate
from tests.builders import D, absent, ready_case, ready_events, term_marks

EVENT_IDS = [e.id for e in ready_events()]
SCHOOL_DAYS = [D(2026, 11, 2) + dt.timedelta(days=n) for n in range(40)
               if (D(2026, 11, 2) + dt.timedelta(days=n)).weekday() < 5]
CHRISTMAS = [D(2026, 12, 21) + dt.timedelta(days=n) for n in range(14)]
CHECKLISTS = {
    "walsall": ["walsall"],
    "bloxwich": ["walsall", "bloxwich-academy"],
    "stockport": ["stockport"],
    "east-sussex": ["east-sussex"],
    "staged-academy": ["stockport", "staged-academy"],
}


@st.composite
def cases(draw):
    as_of = draw(st.sampled_from(SCHOOL_DAYS))
    kept = draw(st.lists(st.sampled_from(EVENT_IDS), unique=True))
    events = tuple(e for e in ready_events() if e.id in kept and e.date and e.date <= as_of)
    off = draw(st.lists(st.sampled_from(SCHOOL_DAYS[:10]), max_size=4))
    base = ready_case()
    restricted = draw(st.booleans())
    carers = base.carers
    if restricted:
        carers = (carers[0], replace(carers[1], contact_restriction="court order"))
    which = draw(st.sampled_from(sorted(CHECKLISTS)))
    ids = CHECKLISTS[which]
    case = replace(
        base, authority=ids[0], school_process=ids[1] if len(ids) > 1 else None,
        events=events, carers=carers,
        marks=term_marks(end=as_of, overrides=absent(
            [D(2026, 9, 14), D(2026, 9, 15), D(2026, 10, 5), D(2026, 10, 6), *off], "O")),
        declaration=base.declaration if draw(st.booleans()) else Declaration(),
        not_applicable={} if which != "walsall" else base.not_applicable)
    closures = CHRISTMAS if draw(st.booleans()) else []
    return case, [get_checklist(i) for i in ids], as_of, closures


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_planned_steps_make_the_case_ready_on_the_earliest_date(example):
    case, checklists, as_of, closures = example
    p = plan(case, checklists, as_of, closures=closures)
    if p.earliest_referral_date is None:
        assert p.blocked  # a plan without a date always says why
        return
    r = p.earliest_referral_date
    assert r >= as_of and r not in closures
    for step in p.next_steps:
        assert as_of <= step.not_before <= step.by <= r, step
    on_by = check(simulate(case, p.next_steps), checklists, r)
    assert on_by.ready, [(i.id, i.reasons) for i in on_by.items if i.status == "not_met"]
    early = {s.id: s.not_before for s in p.next_steps}
    assert check(simulate(case, p.next_steps, early), checklists, r).ready
