"""Issue 13: every checklist's complete case is ready, and removing the evidence of any one
mandatory item makes it not ready with that item named.

The complete cases are the stories of each checklist's own test module. For each mandatory
item met by recorded events, those events are removed and the case checked again.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from referral_builder.checklists import get_checklist
from referral_builder.domain.engine import check
from tests.unit import (
    test_checklist_bloxwich_academy as blx,
)
from tests.unit import (
    test_checklist_east_sussex as esx,
)
from tests.unit import (
    test_checklist_staged_academy as sif,
)
from tests.unit import (
    test_checklist_stockport as stk,
)
from tests.unit import (
    test_checklist_walsall as wal,
)

COMPLETE = {
    "walsall": wal.walsall_case,
    "bloxwich-academy": blx.bloxwich_case,
    "staged-academy": sif.staged_case,
    "east-sussex": esx.esx_case,
    "stockport": stk.stockport_case,
}


def _evidence_cases():
    for checklist_id, make in COMPLETE.items():
        case = make()
        checklist = get_checklist(checklist_id)
        report = check(case, [checklist])
        event_ids = {e.id for e in case.events}
        for r in report.items:
            if not r.mandatory:
                continue
            used = [i for i in r.evidence if i in event_ids]
            if used:
                yield pytest.param(checklist_id, r.id, tuple(used), id=f"{checklist_id}:{r.id}")


@pytest.mark.parametrize("checklist_id", sorted(COMPLETE))
def test_the_complete_case_is_ready(checklist_id):
    report = check(COMPLETE[checklist_id](), [get_checklist(checklist_id)])
    assert report.ready, {i.id: i.reasons for i in report.items if i.status == "not_met"}


@pytest.mark.parametrize(("checklist_id", "item_id", "used"), list(_evidence_cases()))
def test_removing_a_mandatory_items_evidence_makes_the_case_not_ready(checklist_id, item_id,
                                                                    used):
    case = COMPLETE[checklist_id]()
    # The events go, with the documents attached to them (e.g. the referral form, A25).
    attached = {d for e in case.events if e.id in used for d in e.documents}
    case = replace(case, events=tuple(e for e in case.events if e.id not in used),
                   documents=tuple(d for d in case.documents if d.id not in attached))
    report = check(case, [get_checklist(checklist_id)])
    assert not report.ready
    found = {i.id: i for i in report.items}
    assert found[item_id].status == "not_met", (item_id, used)
    assert found[item_id].reasons  # says why


def test_every_mandatory_item_with_an_evidence_selector_is_exercised():
    exercised = {p.values[1] for p in _evidence_cases()}
    for checklist_id in COMPLETE:
        for item in get_checklist(checklist_id).items:
            if item.mandatory and item.evidence is not None and item.skip_if is None:
                assert item.id in exercised, item.id


# ---- issue 13.4: one table of role synonyms ------------------------------------------------

@pytest.mark.parametrize(("written", "role"), [
    ("C&FSW", "child_and_family_support_worker"),
    ("Child and Family Support Worker", "child_and_family_support_worker"),
    ("child & family support worker", "child_and_family_support_worker"),
    ("AHT Inclusion", "assistant_head"),
    ("AHT (Inclusion)", "assistant_head"),
    ("Assistant Head (Inclusion)", "assistant_head"),
    ("AO", "attendance_officer"),
    ("LA Attendance Officer", "attendance_officer"),
    ("Local Authority Attendance Officer", "attendance_officer"),
    ("HoS", "head_of_school"),
    ("Head of School", "head_of_school"),
    ("Head of Academy", "head_of_academy"),
    ("Designated Safeguarding Lead", "dsl"),
    ("Deputy Head", "deputy_head"),
])
def test_roles_are_compared_through_one_table_of_synonyms(written, role):
    from referral_builder.domain.rules import normalise_role
    assert normalise_role(written) == role


def test_a_synonym_of_the_named_role_does_not_warn_but_another_role_does():
    events = blx.change(blx.ready_events(), "e7", by=("Ravi Shah", "Assistant Head (Inclusion)"))
    report = check(blx.bloxwich_case(events=events), [get_checklist("bloxwich-academy")])
    assert not [w for w in report.warnings if w.startswith("blx_early_help_offered")]
    events = blx.change(blx.ready_events(), "e7", by=("Ann Lee", "Class Teacher"))
    report = check(blx.bloxwich_case(events=events), [get_checklist("bloxwich-academy")])
    assert any(w.startswith("blx_early_help_offered") and "Class Teacher" in w
               for w in report.warnings)
