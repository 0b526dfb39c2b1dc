"""How many passing events an item needs (`require`): any, a count, each carer, each
meeting, each meeting and carer, each agency (checklist README, Requirements)."""

from __future__ import annotations

import datetime as dt

from .calendar import fmt
from .checklist import Item
from .context import Context, human
from .model import Event

#: Agencies that answer for each pupil flag in "all external parties" items.
FLAG_AGENCIES: dict[str, tuple[str, ...]] = {
    "social_worker": ("social_worker",),
    "early_help": ("early_help",),
    "camhs": ("camhs",),
    "tac_taf": ("lead_professional", "early_help", "social_worker"),
    "child_in_need": ("social_worker",),
    "child_protection": ("social_worker",),
}

AGENCY_NAMES = {"social_worker": "the social worker", "early_help": "Early Help",
                "camhs": "CAMHS", "lead_professional": "the lead professional"}


def requirement_met(ctx: Context, item: Item, passing: list[Event],
                     failed: dict[str, list[str]]) -> tuple[bool, list[str]]:
    require = item.require
    if isinstance(require, int):
        if len(passing) >= require:
            return True, []
        return False, [f"{len(passing)} recorded; at least {require} are needed"]
    if require == "each_carer":
        return _each_carer(ctx, passing)
    if require == "each_meeting":
        return _each_meeting(ctx, item, passing)
    if require == "each_meeting_each_carer":
        return _each_meeting(ctx, item, passing, each_carer=True)
    if require == "each_agency":
        return _each_agency(ctx, passing)
    return bool(passing), []


def _each_carer(ctx: Context, passing: list[Event]) -> tuple[bool, list[str]]:
    parents = ctx.case.parent_set
    if not parents:
        return False, ["No parent or carer with parental responsibility or day-to-day care is "
                       "recorded"]
    reached: set[str] = set()
    joint: list[str] = []
    for e in passing:
        apart = _addressed_apart(ctx, e)
        if apart:
            names = " and ".join(ctx.carer_label(c) for c in apart)
            joint.append(f"{ctx.describe(e)} is addressed jointly to {names}, who live at "
                         "different addresses; each needs a letter of their own.")
        reached.update(c for c in e.people if c not in apart)
    missing = [c for c in parents if c.id not in reached]
    if passing and not missing:
        return True, []
    return False, [*joint, *(f"Nothing that counts is recorded for {ctx.carer_label(c.id)}; "
                             "each parent/carer needs their own." for c in missing)]


def _addressed_apart(ctx: Context, e: Event) -> list[str]:
    """The carers a posted letter names who do not share one address (none if they do)."""
    if e.type != "letter" or not ctx.checklist.param("separate_letters_per_address"):
        return []
    carers = [c for c in (ctx.case.carer(i) for i in e.to) if c is not None]
    addresses = {" ".join(c.address.lower().replace(",", " ").split()) for c in carers
                 if c.address.strip()}
    return [c.id for c in carers] if len(addresses) > 1 else []


def _each_meeting(ctx: Context, item: Item, passing: list[Event], each_carer: bool = False,
                  ) -> tuple[bool, list[str]]:
    """Every meeting actually held (or not attended) has a passing event after it.

    A letter that names a rescheduled meeting follows the meeting that replaced it (edge
    case 4). With `each_carer`, each meeting's letters must reach every parent/carer,
    including one who did not come (edge case 5).
    """
    meetings = [m for m in ctx.meetings() if m.status in (None, "held", "did_not_attend")]
    if ctx.window and any(r.name == "in_window" for r in item.rules):
        meetings = [m for m in meetings if m.date and m.date >= ctx.window[0]]
    if not meetings:
        return False, ["No meeting is recorded, so nothing can follow one"]
    missing = []
    for n, m in enumerate(meetings):
        nxt = meetings[n + 1].date if n + 1 < len(meetings) else None

        def follows(e: Event, m: Event = m, nxt: dt.date | None = nxt) -> bool:
            named = ctx.meeting(e)
            if named is not None:
                held = ctx.held_meeting(named)
                return held is not None and held.id == m.id
            return bool(e.date and m.date and m.date <= e.date and (nxt is None or e.date < nxt))

        after = [e for e in passing if follows(e)]
        if not after:
            missing.append(f"Nothing that counts follows the meeting on "
                           f"{fmt(m.date or ctx.as_of)} ({m.id})")
        elif each_carer:
            ok, why = _each_carer(ctx, after)
            if not ok:
                missing += [f"After the meeting on {fmt(m.date or ctx.as_of)} ({m.id}): "
                            f"{w[:1].lower()}{w[1:]}" for w in why]
    return not missing, missing


def _each_agency(ctx: Context, passing: list[Event]) -> tuple[bool, list[str]]:
    flags = ctx.case.pupil.flags
    needed = [(f, agencies) for f, agencies in FLAG_AGENCIES.items() if getattr(flags, f)]
    if not needed:
        return bool(passing), []
    reached = {e.agency for e in passing}
    missing = [f"No communication with {AGENCY_NAMES.get(a[0], human(a[0]))} is recorded "
               f"({human(f)} is involved)" for f, a in needed if not reached & set(a)]
    return not missing, missing
