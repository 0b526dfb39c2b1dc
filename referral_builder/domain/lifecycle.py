"""A referral's life cycle: one small state machine.

    draft --submit (DSL)--> submitted --accept (LA officer)--> accepted
                               |
                               +--return with reasons (LA officer)--> returned
    returned --submit again (DSL)--> submitted

The school's designated safeguarding lead sends the referral; the local authority's officer
accepts it or returns it with reasons; a returned referral is changed and sent again. An
accepted referral is final. `transition` is the only place these rules live: the services
ask it before they write anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NotAllowed

DRAFT, SUBMITTED, ACCEPTED, RETURNED = "draft", "submitted", "accepted", "returned"
STATUSES = (DRAFT, SUBMITTED, ACCEPTED, RETURNED)
#: Statuses in which the school may still change the case.
EDITABLE = (DRAFT, RETURNED)
#: Statuses of a referral that has been sent: the local authority sees these.
SENT = (SUBMITTED, ACCEPTED, RETURNED)

#: The people who may act, as user roles, with the names the messages use.
ROLE_WORDS = {"dsl": "the designated safeguarding lead",
              "la_officer": "a local authority officer"}


@dataclass(frozen=True)
class Transition:
    """`action` moves a referral from any of `sources` to `target`, done by one of `roles`."""

    action: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_reason: bool = False
    words: str = ""  # what the action is, for messages: "send the referral"


TRANSITIONS = {t.action: t for t in (
    Transition("submit", (DRAFT, RETURNED), SUBMITTED, ("dsl",), words="send the referral"),
    Transition("accept", (SUBMITTED,), ACCEPTED, ("la_officer",), words="accept the referral"),
    Transition("return", (SUBMITTED,), RETURNED, ("la_officer",), needs_reason=True,
               words="return the referral to the school"),
)}


_STATUS_WORDS = {DRAFT: "is a draft that has not been sent",
                 SUBMITTED: "has been sent and is waiting for the local authority's decision",
                 ACCEPTED: "has been accepted by the local authority",
                 RETURNED: "has been returned to the school"}


def allowed(status: str, role: str) -> tuple[str, ...]:
    """The actions a person in `role` may take on a referral in `status`."""
    return tuple(t.action for t in TRANSITIONS.values()
                 if status in t.sources and role in t.roles)


def transition(status: str, action: str, role: str, *, reason: str = "") -> str:
    """The status after `action` by a person in `role`; raise `NotAllowed` if the referral's
    `status` or the role does not allow it, or if a return gives no reasons."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise NotAllowed(f"There is no action {action!r} on a referral (the actions are "
                         f"{', '.join(TRANSITIONS)}).", action=action, status=status, role=role)
    if status not in STATUSES:
        raise NotAllowed(f"The referral's status {status!r} is not one of "
                         f"{', '.join(STATUSES)}.", action=action, status=status, role=role)
    if role not in t.roles:
        who = " or ".join(ROLE_WORDS.get(r, r) for r in t.roles)
        raise NotAllowed(f"Only {who} may {t.words}.", action=action, status=status, role=role)
    if status not in t.sources:
        raise NotAllowed(f"You cannot {t.words}: it {_STATUS_WORDS[status]}.", action=action,
                         status=status, role=role)
    if t.needs_reason and not reason.strip():
        raise NotAllowed(f"Give the reasons to {t.words}: the school needs to know what is "
                         "missing or wrong.", action=action, status=status, role=role)
    return t.target
