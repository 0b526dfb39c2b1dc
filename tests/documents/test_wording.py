"""Plain words for the bundle: event ids become the event's kind and date; missing copies."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from referral_builder.documents.wording import missing_copies, plain
from referral_builder.domain import engine
from referral_builder.services import checking
from tests.builders import ready_case


def test_an_id_after_the_events_own_date_is_dropped_and_a_bare_one_is_spelt_out():
    case = ready_case()
    assert plain("Met by the letter of 21 Sep 2026 (e1) to Jane Smith.", case) == (
        "Met by the letter of 21 September 2026 to Jane Smith.")
    assert plain("see (e5); 1 school days left, only 0 of school_nurse", case) == (
        "See (the referral of 14 October 2026); 1 school day left, none of school nurse")
    assert plain("an unknown (zz9) id", case) == "An unknown id"


def test_letters_that_meet_an_item_with_no_copy_are_listed_by_kind_date_and_carer():
    case = ready_case()
    e1 = next(e for e in case.events if e.id == "e1")
    assert e1.documents and e1.date == dt.date(2026, 9, 21)
    report = engine.check(case, checking.checklists_for(case))
    bundled = {d.id for d in case.documents}
    before = missing_copies(case, report, bundled)
    assert not any("21 September 2026" in line for line in before)
    after = missing_copies(case, report, bundled - set(e1.documents))
    assert "No copy attached: letter of 21 September 2026 to Jane Smith and Łukasz Nowak — the " \
           "local authority will ask for it." in after
    stripped = replace(case, events=tuple(replace(e, documents=()) if e.id == "e1" else e
                                          for e in case.events))
    assert missing_copies(stripped, report, bundled)[0].startswith(
        "No copy attached: letter of 21 September 2026")
