"""A referral's life cycle: Mrs Patel (the DSL at Oak Primary) sends Zoë's referral; Mr Khan,
Walsall's attendance officer, accepts it or returns it with reasons; a returned referral is
sent again. Every step a status and a role allow, and every one they refuse, with why."""

from __future__ import annotations

import pytest

from referral_builder.domain import lifecycle
from referral_builder.domain.lifecycle import (
    ACCEPTED,
    DRAFT,
    RETURNED,
    STATUSES,
    SUBMITTED,
    TRANSITIONS,
    NotAllowed,
    allowed,
    transition,
)

DSL, OFFICER, STAFF, ADMIN = "dsl", "la_officer", "school_staff", "admin"
ROLES = (DSL, OFFICER, STAFF, ADMIN)
REASON = "The meeting notes of 3 October 2026 are missing from the bundle."

#: (status, action, role) -> the new status: every step the life cycle allows.
ALLOWED = {
    (DRAFT, "submit", DSL): SUBMITTED,  # Mrs Patel sends Zoë's referral
    (RETURNED, "submit", DSL): SUBMITTED,  # ... and sends it again after fixing it
    (SUBMITTED, "accept", OFFICER): ACCEPTED,  # Mr Khan accepts it
    (SUBMITTED, "return", OFFICER): RETURNED,  # ... or returns it with reasons
}


def test_the_life_cycle_of_zoes_referral_returned_then_sent_again_then_accepted() -> None:
    status = DRAFT
    status = transition(status, "submit", DSL)
    assert status == SUBMITTED
    status = transition(status, "return", OFFICER, reason=REASON)
    assert status == RETURNED
    status = transition(status, "submit", DSL)
    assert status == SUBMITTED
    status = transition(status, "accept", OFFICER)
    assert status == ACCEPTED
    assert allowed(status, DSL) == () and allowed(status, OFFICER) == ()


@pytest.mark.parametrize(("status", "action", "role"), sorted(ALLOWED))
def test_each_allowed_step_gives_its_new_status(status: str, action: str, role: str) -> None:
    reason = REASON if action == "return" else ""
    assert transition(status, action, role, reason=reason) == ALLOWED[(status, action, role)]


REFUSED = sorted((status, action, role) for status in STATUSES for action in TRANSITIONS
                 for role in ROLES if (status, action, role) not in ALLOWED)


def test_the_refused_steps_are_every_other_combination() -> None:
    assert len(REFUSED) + len(ALLOWED) == len(STATUSES) * len(TRANSITIONS) * len(ROLES)
    assert len(REFUSED) == 44


@pytest.mark.parametrize(("status", "action", "role"), REFUSED)
def test_every_other_step_is_refused_with_a_message(status: str, action: str,
                                                    role: str) -> None:
    with pytest.raises(NotAllowed) as refused:
        transition(status, action, role, reason=REASON)
    assert (refused.value.status, refused.value.action, refused.value.role) == (
        status, action, role)
    assert str(refused.value).startswith(("Only ", "You cannot "))


def test_school_staff_cannot_send_the_referral_only_the_dsl() -> None:
    with pytest.raises(NotAllowed, match="Only the designated safeguarding lead may send the "
                                         "referral"):
        transition(DRAFT, "submit", STAFF)


def test_a_school_cannot_accept_its_own_referral() -> None:
    with pytest.raises(NotAllowed, match="Only a local authority officer may accept"):
        transition(SUBMITTED, "accept", DSL)


def test_a_referral_already_sent_cannot_be_sent_twice() -> None:
    with pytest.raises(NotAllowed, match="You cannot send the referral: it has been sent and "
                                         "is waiting for the local authority's decision"):
        transition(SUBMITTED, "submit", DSL)


def test_an_accepted_referral_is_final() -> None:
    with pytest.raises(NotAllowed, match="it has been accepted by the local authority"):
        transition(ACCEPTED, "return", OFFICER, reason=REASON)
    with pytest.raises(NotAllowed, match="it has been accepted"):
        transition(ACCEPTED, "submit", DSL)


def test_the_officer_cannot_decide_on_a_draft_never_sent() -> None:
    with pytest.raises(NotAllowed, match="it is a draft that has not been sent"):
        transition(DRAFT, "accept", OFFICER)


def test_a_return_needs_the_reasons() -> None:
    for reason in ("", "   \n"):
        with pytest.raises(NotAllowed, match="Give the reasons to return the referral"):
            transition(SUBMITTED, "return", OFFICER, reason=reason)


def test_an_unknown_action_or_status_is_named() -> None:
    with pytest.raises(NotAllowed, match="There is no action 'withdraw'"):
        transition(DRAFT, "withdraw", DSL)
    with pytest.raises(NotAllowed, match="status 'archived' is not one of"):
        transition("archived", "submit", DSL)


def test_what_each_person_may_do_at_each_status() -> None:
    assert allowed(DRAFT, DSL) == ("submit",)
    assert allowed(DRAFT, STAFF) == ()
    assert allowed(SUBMITTED, OFFICER) == ("accept", "return")
    assert allowed(SUBMITTED, DSL) == ()
    assert allowed(RETURNED, DSL) == ("submit",)
    assert lifecycle.EDITABLE == (DRAFT, RETURNED)
    assert set(lifecycle.SENT) == set(STATUSES) - {DRAFT}
