"""The event a drafted step records, its wording, the meeting it invites to or follows, and the
links between steps (which must come before which)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .calendar import ONE_DAY
from .checklist import Item, Rule, Selector
from .context import Context, human
from .model import Event, Person
from .plan_model import PLAN_ID, Draft
from .rules import normalise_role


def event_type(sel: Selector) -> str:
    for preferred in ("letter", "email"):
        if preferred in sel.types:
            return preferred
    return sel.types[0] if sel.types else "letter"


def template_for(letters: Sequence[tuple[str, tuple[str, ...]]], sel: Selector,
              purposes: tuple[str, ...], type_: str) -> str | None:
    if type_ not in ("letter", "email") or not purposes:
        return None
    best: tuple[int, str] | None = None
    for template_id, offers in letters:
        if purposes[0] not in offers:
            continue
        score = len(set(offers) & set(purposes)) * 10 - len(set(offers) - set(sel.purposes))
        if best is None or score > best[0]:
            best = (score, template_id)
    return best[1] if best else None


def meeting_for(ctx: Context, item: Item, notice: int, drafts: list[Draft],
                 ) -> tuple[str, Draft | None]:
    """The meeting an invitation is for: one already booked after today, or a planned one."""
    booked = sorted((e for e in ctx.case.events if e.type == "meeting" and e.date
                     and e.date > ctx.as_of and e.status not in ("cancelled", "rescheduled")
                     and e.date - dt.timedelta(days=notice) >= ctx.as_of),
                    key=lambda e: (e.date or ctx.as_of, e.time or ""))
    if booked:
        return booked[0].id, None
    for d in drafts:
        if d.kind == "meeting":
            return d.id, d
    day = ctx.as_of + dt.timedelta(days=notice)
    while day.weekday() >= 5 or (day in ctx.register.days
                                 and not ctx.register.is_school_day(day)):
        day += ONE_DAY
    meeting_id = f"{PLAN_ID}-meeting-1"
    carers = tuple(c.id for c in ctx.case.parent_set)
    ev = Event(id=meeting_id, type="meeting", date=day, time="09:30", kind="attendance_meeting",
               status="held", attended=carers[:1], summary="Attendance meeting (planned)")
    moved = [e for e in ctx.case.events if e.type == "meeting" and e.status == "rescheduled"]
    why = [f"An invitation needs {notice} days' notice in writing, so the meeting is planned "
           f"{notice} days after the invitations can go"]
    if moved:
        why.append("the meeting was moved, so the new date needs its own invitation with full "
                   "notice")
    d = Draft(ctx.checklist, item, "meeting",
               "Hold the attendance meeting (book it for this date, with a time, and put both "
               "in the invitation)", why, carers=carers, not_before=day, by=day, event=ev,
               id=meeting_id, fixed=True)
    drafts.append(d)
    return meeting_id, d


def meeting_to_follow(ctx: Context, drafts: list[Draft]) -> str | None:
    for d in drafts:
        if d.kind == "meeting":
            return d.id
    held = [m for m in ctx.meetings() if m.status in (None, "held", "did_not_attend")]
    return held[-1].id if held else None


def planned_event(ctx: Context, item: Item, sel: Selector, rules: dict[str, Rule], type_: str,
           purposes: tuple[str, ...], carers: tuple[str, ...], agency: str | None,
           meeting: str | None) -> Event:
    fields: dict[str, Any] = {
        "purposes": purposes, "meeting": meeting,
        "direction": sel.direction if sel.direction != "any" else "outgoing",
        "summary": "; ".join(str((r.get("words") or ("",))[0]) for r in item.rules
                             if r.name == "mentions" and not r.get("purposes")),
    }
    if type_ in ("phone_call", "home_visit", "medical_inquiry"):
        fields["with_"] = carers
    else:
        fields["to"] = carers
    if type_ == "meeting":
        fields.update(kind=(sel.meeting_kinds or ("attendance_meeting",))[0], time="09:30",
                      status=(sel.meeting_statuses or ("held",))[0], attended=carers)
    if agency or sel.agencies:
        fields["agency"] = agency or sel.agencies[0]
    if sel.supports:
        fields["support"] = sel.supports[0]
    if sel.services:
        fields["service"] = sel.services[0]
    if sel.internal is not None:
        fields["internal"] = sel.internal
    if "encloses" in rules:
        fields["encloses"] = (rules["encloses"].get("what"),)
    if "outcome_recorded" in rules:
        fields["outcome"] = (rules["outcome_recorded"].get("values") or ("recorded",))[0]
    if "consent_requested" in rules:
        fields["consent_requested"] = True
    if "review_of_item" in rules:
        # The review names (`of`) the evidence it reviews: a recorded one, or a planned one
        # (resolved to its step id when the steps are linked).
        ref_id = str(rules["review_of_item"].get("item"))
        ref = ctx.outcomes.get(ref_id)
        passing = sorted((e for e in (ref.passing if ref else []) if e.date),
                         key=lambda e: e.date or dt.date.min)
        fields["of"] = passing[0].id if passing and ref and ref.status == "met" \
            else f"item:{ref_id}"
    for name in ("review_of_item", "review_records"):
        if name in rules and rules[name].get("improved") is not None:
            fields["improved"] = bool(rules[name].get("improved"))
    roles = (rules["by_role"].get("roles") if "by_role" in rules else None) or (
        item.who.roles if item.who and "school" not in item.who.roles else ())
    if roles:
        fields["by"] = Person(ctx.case.declaration.name, str(roles[0]))
    elif ctx.case.declaration.role:
        fields["by"] = Person(ctx.case.declaration.name, ctx.case.declaration.role)
    return Event(id="", type=type_, date=None, **fields)


def action_words(item: Item, type_: str, template: str | None, carers: tuple[str, ...],
            agency: str | None, ctx: Context, rules: dict[str, Rule]) -> str:
    what = item.missing or f"Record the evidence for item {item.number}"
    what = what.rstrip(".")
    extras = []
    if carers and len(carers) < len(ctx.case.parent_set):
        extras.append("to " + " and ".join(ctx.carer_label(c) for c in carers))
    if agency:
        extras.append(f"with {human(agency)}")
    if "states_attendance_pct" in rules:
        extras.append("stating the current attendance %")
    if "encloses" in rules:
        extras.append(f"enclosing the {human(rules['encloses'].get('what'))}")
    if "outcome_recorded" in rules:
        values = rules["outcome_recorded"].get("values") or ()
        extras.append("recording the outcome (" + " or ".join(human(v) for v in values) + ")")
    if "by_role" in rules:
        roles = rules["by_role"].get("roles") or ()
        extras.append("by the " + " or ".join(human(normalise_role(r)) for r in roles))
    if template:
        extras.append(f"model letter: {template}")
    return what + (" (" + "; ".join(extras) + ")" if extras else "")


def link(drafts: list[Draft]) -> None:
    """Give every draft an id; resolve references to items and invitations to step ids."""
    for n, d in enumerate(drafts):
        if not d.id:
            d.id = f"{PLAN_ID}-{d.item.id}-{n + 1}"
        if d.event is not None and d.kind != "meeting":
            d.event = replace(d.event, id=d.id)
        if d.document is not None and d.event is not None:
            doc_id = f"{d.id}-doc"
            d.document = replace(d.document, id=doc_id,
                                 file=f"evidence/{d.id}-{d.document.kind}.pdf")
            d.event = replace(d.event, documents=(doc_id,))
    by_item: dict[str, list[str]] = {}
    invites: dict[str, list[str]] = {}
    for d in drafts:
        if d.kind == "meeting":
            continue
        by_item.setdefault(d.item.id, []).append(d.id)
        if d.event is not None and "meeting_invite" in d.event.purposes and d.meeting:
            invites.setdefault(d.meeting, []).append(d.id)
    for d in drafts:
        if d.event is not None and d.event.of and d.event.of.startswith("item:"):
            targets = by_item.get(d.event.of[5:], [])
            d.event = replace(d.event, of=targets[0] if targets else None)
        after: list[tuple[str, int]] = []
        for ref, gap in d.after:
            if ref.startswith("item:"):
                after += [(x, gap) for x in by_item.get(ref[5:], []) if x != d.id]
            elif ref.startswith("invite:"):
                after += [(x, gap) for x in invites.get(ref[7:], [])]
            else:
                after.append((ref, gap))
        d.after = after
        before: list[str] = []
        for ref in d.before:
            before += by_item.get(ref[5:], []) if ref.startswith("item:") else [ref]
        d.before = [b for b in before if b != d.id]
