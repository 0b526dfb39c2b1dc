"""Draft a step for each unmet item from the types of its rules (generic per rule type, never
per authority): case rules (declaration, statement, wait, return, review...) and evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from .calendar import fmt
from .checklist import Item, Rule
from .context import Context, ItemOutcome, human
from .engine import (
    condition_holds,
    evaluate_evidence,
)
from .model import Document, Event
from .plan_events import (
    action_words,
    event_type,
    meeting_for,
    meeting_to_follow,
    planned_event,
    template_for,
)
from .plan_model import PLAN_ID, REGISTER_RULES, Draft
from .plan_standing import threshold_day
from .requirements import FLAG_AGENCIES
from .rules import CASE_RULES, bind, return_due_dates, run_case_rule


def draft_item(ctx: Context, item: Item, drafts: list[Draft], blocked: list[str],
                letters: Sequence[tuple[str, tuple[str, ...]]], force: bool = False) -> None:
    outcome = ctx.outcomes[item.id]
    label = f"item {item.number} ({item.id})"
    if item.requirement == "conditional" and item.applies_if is not None and not (
            condition_holds(ctx, item.applies_if)) and item.id not in ctx.case.not_applicable:
        drafts.append(Draft(ctx.checklist, item, "not_applicable",
                             f"Record why item {item.number} does not apply to this pupil",
                             [f"{label} is needed only when a condition holds; nothing says it "
                              "does, so the checklist asks for the reason it does not apply"],
                             not_before=ctx.as_of))
        return
    for rule in item.rules:
        if rule.name not in CASE_RULES or rule.warn:
            continue
        ok, why, _ids = run_case_rule(ctx, rule)
        if ok:
            continue
        if rule.name in REGISTER_RULES:
            extra = ""
            if rule.name == "first_day_contact":
                extra = ("; a first-day call cannot be made after that day: if one was made, "
                         "record it with its date, otherwise the item stays unmet while that "
                         "absence is in this school year")
            blocked.append(f"{label} depends on the register, not on a step the school can "
                           f"take: {' '.join(why)}{extra}")
            return
        draft_case_rule(ctx, item, rule, drafts, blocked, outcome)
    if item.evidence is not None and (force or evidence_missing(ctx, item)):
        draft_evidence(ctx, item, drafts, blocked, outcome, letters)


def evidence_missing(ctx: Context, item: Item) -> bool:
    if item.evidence is None:
        return False
    met, _r, _p = evaluate_evidence(ctx, item, item.evidence)
    return not met


def draft_case_rule(ctx: Context, item: Item, rule: Rule, drafts: list[Draft],
                     blocked: list[str], outcome: ItemOutcome) -> None:
    name, as_of, rule = rule.name, ctx.as_of, bind(rule)
    if name == "declaration":
        drafts.append(Draft(ctx.checklist, item, "declaration",
                             "Tick the confirmation that you have read and understood the "
                             "evidence requirements (with your name and role)",
                             ["The referral cannot be made until the referrer confirms it"],
                             not_before=as_of))
    elif name == "free_text":
        key, words = rule.get("key"), int(rule.get("min_words"))
        drafts.append(Draft(ctx.checklist, item, "statement",
                             f"Write the statement \"{human(key)}\" (at least {words} words)",
                             [f"Item {item.number} needs it"], not_before=as_of))
    elif name in ("school_days_since",):
        ok, why, _ = case_rule(ctx, rule)
        if not ok:
            ref = ctx.outcomes.get(rule.get("item"))
            if ref is not None and ref.earliest is not None:
                minimum = int(rule.get("min_school_days"))
                drafts.append(Draft(ctx.checklist, item, "wait",
                                     f"Wait: the referral can be made {minimum} school days "
                                     f"after the evidence of {fmt(ref.earliest)}",
                                     why, not_before=ctx.register.add_school_days(
                                         ref.earliest, minimum)))
    elif name == "document_of_kind":
        kinds = tuple(str(k) for k in (rule.get("kinds") or ("other",)))
        doc = Document(id="", file="", title=f"The completed {human(kinds[0])}", kind=kinds[0])
        ev = Event(id="", type="note", date=None,
                   summary=f"The completed {human(kinds[0])} attached")
        drafts.append(Draft(ctx.checklist, item, "event",
                             f"Attach the completed {human(kinds[0])} (a document of kind "
                             f"{kinds[0]})", list(outcome.reasons), not_before=as_of, event=ev,
                             document=doc))
    elif name == "certificate_current":
        pass  # the register step of every plan imports the marks up to the referral date
    elif name == "return_made":
        for due in return_due_dates(ctx, rule.get("trigger")):
            ev = Event(id="", type="referral", date=None, agency="education_welfare",
                       service=f"{human(rule.get('trigger'))} to the LA",
                       summary="Statutory return made to the local authority", internal=False)
            drafts.append(Draft(ctx.checklist, item, "event",
                                 f"Make the {human(rule.get('trigger'))} to the "
                                 "local authority and record it",
                                 [f"It fell due on {fmt(due)}"], not_before=max(due, as_of),
                                 event=ev))
            break
    elif name == "medical_evidence":
        ev = Event(id="", type="medical_inquiry", date=None, with_=(), agency="school_nurse",
                   summary="Medical evidence requested for the I and M marks")
        drafts.append(Draft(ctx.checklist, item, "event",
                             "Ask for medical evidence for the authorised medical absences, "
                             "or recode them O", list(outcome.reasons), not_before=as_of,
                             event=ev))
    elif name == "chronology":
        carers = tuple(c.id for c in ctx.case.parent_set)
        ev = Event(id="", type="phone_call", date=None, with_=carers[:1],
                   summary="Phone call with the parent about attendance",
                   outcome="spoke to the parent")
        drafts.append(Draft(ctx.checklist, item, "event",
                             "Phone the parents and record what they said", list(outcome.reasons),
                             carers=carers[:1], not_before=as_of, event=ev))
    elif name == "review_intervals":
        ok, why, _ = case_rule(ctx, rule)
        lo, hi = int(rule.get("min_school_days")), int(rule.get("max_school_days"))
        reviews = [e.date for e in ctx.dated_events() if e.type == "review" and e.date]
        ref = ctx.outcomes.get(rule.get("from_item")) if rule.get("from_item") else None
        start = max(reviews, default=None) or (ref.earliest if ref else None) or as_of
        lo_day = ctx.register.add_school_days(start, lo)
        hi_day = ctx.register.add_school_days(start, hi)
        if hi_day < as_of and reviews:
            blocked.append(f"Item {item.number} ({item.id}): {' '.join(why)}")
            return
        ev = Event(id="", type="review", date=None, summary="Review of the plan")
        drafts.append(Draft(ctx.checklist, item, "event",
                             f"Review the plan {lo} to {hi} school days after {fmt(start)}",
                             why, not_before=max(lo_day, as_of), by=hi_day, event=ev))
    elif name == "did_not_attend_followup":
        blocked.append(f"Item {item.number} ({item.id}): {' '.join(outcome.reasons)}; the "
                       "follow-up of a missed meeting cannot be planned after the week it was due")


def case_rule(ctx: Context, rule: Rule) -> tuple[bool, list[str], list[str]]:
    return run_case_rule(ctx, rule)


def draft_evidence(ctx: Context, item: Item, drafts: list[Draft], blocked: list[str],
                    outcome: ItemOutcome, letters: Sequence[tuple[str, tuple[str, ...]]]) -> None:
    assert item.evidence is not None
    sel = item.evidence
    case, as_of = ctx.case, ctx.as_of
    rules = {r.name: bind(r) for r in item.rules}
    why = list(outcome.reasons)
    # Whom it is owed to.
    targets: list[tuple[tuple[str, ...], str | None]] = []  # (carers, agency)
    if item.require == "each_carer":
        reached = {c for e in outcome.passing for c in e.people}
        owed = [c.id for c in case.parent_set if c.id not in reached]
        if not owed:
            owed = [c.id for c in case.parent_set]
        targets = [((c,), None) for c in owed]
        if not targets:
            blocked.append(f"Item {item.number} ({item.id}): no parent or carer with parental "
                           "responsibility or day-to-day care is recorded")
            return
    elif item.require == "each_agency":
        reached_agencies = {e.agency for e in outcome.passing}
        for flag, agencies in FLAG_AGENCIES.items():
            if getattr(case.pupil.flags, flag) and not reached_agencies & set(agencies):
                targets.append(((), agencies[0]))
                reached_agencies.add(agencies[0])
        targets = targets or [((), sel.agencies[0] if sel.agencies else None)]
    elif isinstance(item.require, int):
        missing = max(1, item.require - len(outcome.passing))
        everyone = tuple(c.id for c in case.parent_set)
        targets = [(everyone, None)] * missing
    else:
        targets = [(tuple(c.id for c in case.parent_set), None)]
    type_ = event_type(sel)
    mentions = [r for r in item.rules if r.name == "mentions"]
    purposes = tuple(dict.fromkeys(sel.purposes[:1] + tuple(
        p for r in mentions for p in (r.get("purposes") or ())[:1])))
    template = template_for(letters, sel, purposes, type_)
    # A meeting it invites to, follows or reminds of.
    meeting_id: str | None = None
    meeting_draft: Draft | None = None
    notice = int(rules["min_notice"].get("days")) if "min_notice" in rules else 0
    if "min_notice" in rules or "reminder_before_meeting" in rules:
        meeting_id, meeting_draft = meeting_for(ctx, item, notice, drafts)
    elif "after_meeting" in rules or item.require == "each_meeting":
        meeting_id = meeting_to_follow(ctx, drafts)
    follows: list[str | None] = [meeting_id] * len(targets)
    if item.require == "each_meeting":
        # One record after each meeting that has none, and after a meeting this plan books.
        followed = {e.meeting for e in outcome.passing}
        held = [m for m in ctx.meetings() if m.status in (None, "held", "did_not_attend")
                and m.id not in followed and m.date is not None
                and not any(p.date and p.meeting is None and p.date >= m.date
                            for p in outcome.passing)]
        if ctx.window and "in_window" in rules:
            held = [m for m in held if m.date and m.date >= ctx.window[0]]
        follows = [*(m.id for m in held), *(d.id for d in drafts if d.kind == "meeting")]
        targets = [targets[0]] * len(follows)
    for n, ((carers, agency), meeting_id) in enumerate(zip(targets, follows, strict=True)):
        others = [ctx.carer_label(c.id) for c in case.parent_set if c.id not in carers]
        mine = [w for w in why if not any(f"recorded for {o}" in w for o in others)]
        ev = planned_event(ctx, item, sel, rules, type_, purposes, carers, agency, meeting_id)
        # The record says which item it is evidence for and which model letter it used, so
        # a numbered letter (Letter 1, 2, 3) is read as the one the plan means (A26).
        ev = replace(ev, evidence_for=(item.id,), template=template)
        d = Draft(ctx.checklist, item, "event", action_words(item, type_, template, carers, agency,
                                                         ctx, rules),
                   mine, carers=carers, not_before=as_of, meeting=meeting_id,
                   template=template, event=ev)
        if "min_notice" in rules and meeting_draft is not None:
            d.notice = (meeting_draft.id, notice)
            d.why = [*mine, f"the meeting it invites to needs {notice} days' notice in writing"]
        elif "min_notice" in rules and meeting_id is not None:
            m = case.event(meeting_id)
            if m is not None and m.date is not None:
                d.by = m.date - dt.timedelta(days=notice)
                d.hold_until = m.date
                d.why = [*mine, f"the meeting on {fmt(m.date)} needs {notice} days' notice"]
        if ("after_meeting" in rules or item.require == "each_meeting") and meeting_id:
            d.after.append((meeting_id, 0))
        if "reminder_before_meeting" in rules and meeting_id is not None:
            d.after.append((f"invite:{meeting_id}", 1))
            d.before.append(meeting_id)
        if "after_item" in rules:
            ref_id = rules["after_item"].get("item")
            gap = int(rules["after_item"].get("gap_school_days"))
            ref = ctx.outcomes.get(ref_id)
            if ref is not None and ref.status == "met" and ref.earliest is not None:
                d.not_before = max(d.not_before, ctx.register.add_school_days(ref.earliest, gap)
                                   if gap else ref.earliest)
            else:
                d.after.append((f"item:{ref_id}", gap))
        if "review_of_item" in rules:
            r = rules["review_of_item"]
            gap = int(r.get("min_school_days"))
            ref = ctx.outcomes.get(r.get("item"))
            target = ctx.case.event(d.event.of) if d.event and d.event.of else None
            if ref is not None and ref.status == "met" and target is not None and target.date:
                d.not_before = max(d.not_before, ctx.register.add_school_days(target.date, gap)
                                   if gap else target.date)
            else:
                d.after.append((f"item:{r.get('item')}", gap))
            if r.get("improved") is False:
                d.why = [*d.why, "it must record that attendance has not improved (if it has, "
                         "the process steps down instead and this referral is not due)"]
        if "notice_lawful" in rules:
            day = threshold_day(ctx, rules["notice_lawful"])
            if day is None:
                blocked.append(
                    f"Item {item.number} ({item.id}): a penalty notice can only be issued once "
                    f"the register shows {rules['notice_lawful'].get('sessions')} "
                    f"unauthorised sessions in {rules['notice_lawful'].get('school_weeks')} "
                    "school weeks, which it does not; absences after a notice cannot justify "
                    "it" + ("; record why it does not apply" if item.requirement == "conditional"
                            else ""))
                return
            d.not_before = max(d.not_before, day)
        if "before_item" in rules:
            d.before.append(f"item:{rules['before_item'].get('item')}")
        if "after_stage_start" in rules:
            r = rules["after_stage_start"]
            start = ctx.first_below(float(r.get("below_pct")), bool(r.get("inclusive")))
            if start is None:
                blocked.append(f"Item {item.number} ({item.id}) can only follow the day "
                               f"attendance falls below {r.get('below_pct')}%, which it has "
                               "not this school year")
                return
            d.not_before = max(d.not_before, start)
        if "school_days_before_referral" in rules:
            d.by_referral_gap = int(rules["school_days_before_referral"].get("min_school_days"))
        if "reviewed" in rules:
            r = rules["reviewed"]
            lo, hi = r.get("min_school_days"), r.get("max_school_days")
            d.id = f"{PLAN_ID}-{item.id}-{n + 1}"
            assert d.event is not None
            d.event = replace(d.event, id=d.id)
            drafts.append(d)
            review = Event(id="", type="review", date=None, of=d.id,
                           summary=f"Review of the {human(type_)}")
            rd = Draft(ctx.checklist, item, "event",
                        f"Review it {lo or 0} to {hi or 'any number of'} school days later",
                        [f"Item {item.number} needs a review of it"], not_before=as_of,
                        event=review)
            rd.after.append((d.id, int(lo or 0)))
            drafts.append(rd)
            continue
        drafts.append(d)
