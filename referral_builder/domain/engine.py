"""Evaluate a case against its checklists: one verdict per item, with reasons and evidence.

Rules are dispatched through the registry (`rules.FILTERS`, `rules.CASE_RULES`); conditions
through `conditions.CONDITIONS`; how many events an item needs through `requirements`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

from . import codes, stats
from .calendar import fmt
from .checklist import Checklist, Item, Selector
from .conditions import condition_facts, condition_holds, describe_condition
from .context import Context, ItemOutcome, sentence_case, window_for
from .model import Case, Event
from .register import Register
from .requirements import requirement_met
from .results import AttendanceSummary, ChecklistRef, CheckReport, ItemResult
from .rules import CASE_RULES, FILTERS, normalise_role

__all__ = ["check", "condition_facts", "condition_holds", "describe_condition",
           "evaluate_evidence", "evaluate_item", "evaluation_order"]


def check(case: Case, checklists: Sequence[Checklist], as_of: dt.date | None = None,
          ) -> CheckReport:
    """Check `case` against `checklists` as of `as_of` (default: the referral date)."""
    as_of = as_of or case.referral_date
    register = Register(m for m in case.marks if m.date <= as_of)
    warnings: list[str] = []
    results: list[ItemResult] = []
    for checklist in checklists:
        ctx = Context(case, as_of, register, checklist, warnings)
        weeks = checklist.param("window_school_weeks")
        if weeks:
            ctx.window = window_for(register, as_of, int(weeks),
                                    bool(checklist.param("referral_week_counts")),
                                    case.pupil.admission_date, warnings)
        for item in evaluation_order(checklist):
            ctx.outcomes[item.id] = evaluate_item(ctx, item)
        results += [_result(checklist, item, ctx.outcomes[item.id]) for item in checklist.items]
        _order_warnings(ctx)
    ctx_any = Context(case, as_of, register, checklists[0], warnings) if checklists else None
    summary = stats.compute(case, as_of).summary()
    if ctx_any is not None:
        _case_warnings(ctx_any, checklists, summary)
    return CheckReport(
        case=case.reference, as_of=as_of,
        checklists=tuple(ChecklistRef(c.id, c.version, c.title, c.effective_from)
                         for c in checklists),
        items=tuple(results), attendance=summary,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def evaluation_order(checklist: Checklist) -> list[Item]:
    """The checklist's items, each after the items it refers to and, for numbered letters
    (A26), after the letters numbered before it: the order the engine evaluates them in."""
    return _dependency_order(checklist.items, _groups(checklist))


def _groups(checklist: Checklist) -> list[list[str]]:
    return [list(g) for g in checklist.param("numbered_letters") or []]


def _result(checklist: Checklist, item: Item, o: ItemOutcome) -> ItemResult:
    status: Any = o.status
    return ItemResult(item.id, checklist.id, item.number, item.wording, item.mandatory, status,
                      tuple(dict.fromkeys(o.evidence)), tuple(dict.fromkeys(o.reasons)))


def _dependency_order(items: Sequence[Item], groups: Sequence[Sequence[str]] = ()
                      ) -> list[Item]:
    """Order items so every item comes after those it refers to (no cycles: validated).

    A numbered letter also comes after the letters numbered before it (A26).
    """
    by_id = {i.id: i for i in items}
    earlier: dict[str, list[str]] = {}
    for group in groups:
        for n, item_id in enumerate(group):
            earlier.setdefault(item_id, []).extend(group[:n])
    done: dict[str, Item] = {}
    visiting: set[str] = set()

    def visit(item: Item) -> None:
        if item.id in done or item.id in visiting:
            return
        visiting.add(item.id)
        for ref in sorted(item.references) + earlier.get(item.id, []):
            if ref in by_id:
                visit(by_id[ref])
        done[item.id] = item

    for item in items:
        visit(item)
    return list(done.values())


# ---- one item --------------------------------------------------------------------------

def evaluate_item(ctx: Context, item: Item) -> ItemOutcome:
    """Decide one item: the evidence part, the case rules, then the requirement."""
    if item.skip_if and condition_holds(ctx, item.skip_if):
        return ItemOutcome("not_applicable",
                           [f"Not needed: {describe_condition(item.skip_if)}."])
    met = True
    reasons: list[str] = []
    passing: list[Event] = []
    evidence: list[str] = []
    ctx.item_id = item.id
    if item.evidence is not None:
        met, reasons, passing = evaluate_evidence(ctx, item, item.evidence)
        evidence = [e.id for e in passing]
    for rule in item.rules:
        found = CASE_RULES.get(rule.name)
        if found is None:
            continue
        ok, why, ids = found.fn(ctx, found.bind(rule))
        evidence += ids
        if ok or not rule.warn:
            met = met and ok
            reasons += why
        else:
            ctx.warnings.extend(f"{item.id}: {w}." for w in why)
    if met and passing:
        kept = _claim(ctx, item, passing)
        if len(kept) < len(passing):  # a numbered letter reports only the letter it took
            evidence = [i for i in evidence if i not in {e.id for e in passing} - {
                e.id for e in kept}]
            passing = kept
            reasons = [_met_summary(ctx, passing), *reasons[1:]]
    _role_warnings(ctx, item, passing)
    declared = ctx.case.not_applicable.get(item.id)
    return _apply_requirement(ctx, item, met, reasons, passing, evidence, declared)


def _claim(ctx: Context, item: Item, passing: list[Event]) -> list[Event]:
    """A numbered letter takes its earliest passing letter(s) as its own (A26); return the
    events the item keeps (all of them for an item that is not a numbered letter)."""
    if not any(item.id in g for g in _groups(ctx.checklist)):
        return passing
    first = min(e.date for e in passing if e.date)
    taken = [e for e in passing if e.date == first]
    ctx.claimed[item.id] = {e.id for e in taken}
    return taken


def _numbered_owner(ctx: Context, e: Event, group: Sequence[str]) -> str | None:
    """The numbered letter an event says it is: `evidence_for`, then `template` (A26)."""
    named = [i for i in e.evidence_for if i in group]
    if named:
        return named[0]
    if e.template:
        templates: dict[str, list[str]] = ctx.checklist.param("letter_templates") or {}
        for item_id in group:
            if e.template in templates.get(item_id, []):
                return item_id
    return None


def _numbered_allows(ctx: Context, item: Item, e: Event) -> bool:
    """Whether a letter may count for a numbered letter: one letter, one number."""
    for group in _groups(ctx.checklist):
        if item.id not in group:
            continue
        owner = _numbered_owner(ctx, e, group)
        if owner is not None:
            return owner == item.id
        before = group[:group.index(item.id)]
        return not any(e.id in ctx.claimed.get(b, set()) for b in before)
    return True


def _apply_requirement(ctx: Context, item: Item, met: bool, reasons: list[str],
                       passing: list[Event], evidence: list[str], declared: str | None,
                       ) -> ItemOutcome:
    conditional = item.requirement == "conditional" and item.applies_if is not None
    applies = not conditional or condition_holds(ctx, item.applies_if or {})
    if conditional and not applies:
        # A28: the condition does not hold: a declaration makes it N/A, never "met" with
        # nothing behind it; recorded evidence still shows as met. Without a declaration
        # the verdict is as before this rule (met when the rules are met).
        if met and (passing or not declared):
            return ItemOutcome("met", reasons, passing, evidence)
        why = f"Needed only when {describe_condition(item.applies_if or {})}"
        if declared:
            return ItemOutcome("not_applicable", [f"{why}, which is not the case. Recorded "
                                                  f"as not applicable: {declared}"])
        if ctx.checklist.param("conditional_needs_declaration"):
            return ItemOutcome("not_met", [f"{why}; that is not the case here. Record why it "
                                           "does not apply."])
        return ItemOutcome("not_applicable", [f"{why}; that is not the case here."])
    if met:
        return ItemOutcome("met", reasons, passing, evidence)
    if item.requirement == "optional":
        if item.evidence is not None and not any(
                e.date and e.date <= ctx.as_of for e in ctx.select(item.evidence)):
            return ItemOutcome("not_applicable", ["Optional, and nothing is recorded for it."])
        # Something is recorded but does not count: say why rather than "nothing recorded".
        return ItemOutcome("not_applicable", ["Optional, so it does not hold up the referral.",
                                              *reasons])
    if item.requirement == "mandatory":
        if declared:
            reasons = [*reasons, "It is recorded as not applicable, but this item is mandatory, "
                                 "so that cannot be accepted"]
        return ItemOutcome("not_met", reasons, passing, evidence)
    if declared:
        if conditional:
            # A28: declared N/A while the condition holds: refused, with the facts.
            facts = condition_facts(ctx, item.applies_if or {})
            return ItemOutcome("not_met", [
                *reasons, f"It is recorded as not applicable ({declared}), but "
                f"{'; '.join(facts)}: the item applies, so the declaration cannot be "
                "accepted"], passing, evidence)
        return ItemOutcome("not_applicable", [f"Recorded as not applicable: {declared}"])
    if item.applies_if is None:
        reasons = [*reasons, "If this was not appropriate, record why."]
    else:
        because = "; ".join(condition_facts(ctx, item.applies_if))
        reasons = [*reasons, f"It applies because {because}."]
    return ItemOutcome("not_met", reasons, passing, evidence)


def evaluate_evidence(ctx: Context, item: Item, sel: Selector,
                       ) -> tuple[bool, list[str], list[Event]]:
    """Filter the candidate events, then apply the item's `require`."""
    reasons: list[str] = []
    passing: list[Event] = []
    failed: dict[str, list[str]] = {}
    filters = [(FILTERS[r.name].fn, FILTERS[r.name].bind(r)) for r in item.rules
               if r.name in FILTERS]
    for e in ctx.select(sel):
        if not _numbered_allows(ctx, item, e):
            continue
        if e.date is None:
            reasons.append(f"{sentence_case(ctx.describe(e))} has no date, so it cannot count")
            continue
        if e.date > ctx.as_of:
            continue
        why = []
        for test, rule in filters:
            problem: str | None = test(ctx, e, rule)
            if problem is None:
                continue
            if problem == "":  # not a candidate at all (e.g. a review of something else)
                why = [""]
                break
            if rule.warn:
                ctx.warnings.append(f"{item.id}: {_sentence(problem)}")
            else:
                why.append(problem)
        if why == [""]:
            continue
        if why:
            failed[e.id] = why
        else:
            passing.append(e)
    ok, missing = requirement_met(ctx, item, passing, failed)
    if ok:
        return True, [_met_summary(ctx, passing)], passing
    if not failed and not passing and not reasons:
        reasons.append(item.missing or f"Nothing is recorded for item {item.number}")
    for why in failed.values():
        reasons += [_sentence(w) for w in why]
    return False, reasons + missing, passing


def _met_summary(ctx: Context, passing: list[Event]) -> str:
    shown = []
    for e in passing[:3]:
        text = ctx.describe(e)
        names = [ctx.carer_label(c) for c in e.people]
        if names:
            text += " to " + " and ".join(names)
        shown.append(text)
    more = f", and {len(passing) - 3} more" if len(passing) > 3 else ""
    return _sentence("Met by " + "; ".join(shown) + more)


def _sentence(text: str) -> str:
    text = sentence_case(text.strip())
    return text if text.endswith(".") else text + "."


def _role_warnings(ctx: Context, item: Item, passing: list[Event]) -> None:
    if item.who is None or "school" in item.who.roles:
        return
    wanted = {normalise_role(r) for r in item.who.roles}
    for e in passing:
        if e.by and e.by.role and normalise_role(e.by.role) not in wanted:
            ctx.warnings.append(
                f"{item.id}: {ctx.describe(e)} was done by {e.by.name or 'someone'} "
                f"({e.by.role}); the checklist names {item.who.label or ', '.join(wanted)}.")


# ---- report-wide -----------------------------------------------------------------------

def _case_warnings(ctx: Context, checklists: Sequence[Checklist],
                   summary: AttendanceSummary) -> None:
    case, reg, w = ctx.case, ctx.register, ctx.warnings
    era = [(d, s, c) for d, s, c in reg.sessions(end=ctx.as_of) if codes.out_of_era(c, d)]
    if era:
        d, s, c = era[0]
        kinds = ", ".join(sorted({c for _, _, c in era}))
        w.append(f"{len(era)} marks use codes from the wrong code set for their date ({kinds}; "
                 f"first {c} on {fmt(d)} {s}). Since 19 August 2024 H, F, J and Y are withdrawn: "
                 "recode them (for example H to C or G, J to J1, Y to Y1-Y7).")
    if summary.unresolved_n:
        w.append(f"{summary.unresolved_n} sessions are still coded N (reason not yet "
                 "established). They count provisionally toward the penalty threshold but must "
                 "be resolved before a referral.")
    minimum = max(int(c.param("min_possible_sessions") or 0) for c in checklists)
    if summary.possible < minimum:
        w.append(f"Only {summary.possible} possible sessions this school year: too few for a "
                 "reliable attendance percentage.")
    elif (any(c.param("warn_if_not_persistent_absence") for c in checklists)
          and not summary.persistent_absence):
        w.append(f"{case.pupil.full_name} is not persistently absent: attendance is "
                 f"{summary.attendance_pct}% (persistent absence is 90% or less). The referral "
                 "is for persistent absence.")
    for carer in case.restricted_carers:
        w.append(f"{carer.name} ({carer.id}) is not required for \"each parent/carer\" items "
                 f"because of a contact restriction: {carer.contact_restriction}.")
    known = {i.id for c in checklists for i in c.items}
    for item_id in case.not_applicable:
        if item_id not in known:
            w.append(f"not_applicable names {item_id!r}, which is not an item of "
                     f"{' or '.join(c.id for c in checklists)}.")
    if case.pupil.flags.looked_after:
        w.append("The pupil is looked after: the local authority may hold parental "
                 "responsibility, so no penalty or prosecution step can be taken against it. "
                 "Involve the virtual school.")


def _order_warnings(ctx: Context) -> None:
    order = ctx.checklist.recommended_order
    for a, b in itertools.pairwise(order):
        first, second = ctx.outcomes[a].earliest, ctx.outcomes[b].earliest
        if first and second and first > second:
            ctx.warnings.append(
                f"Recommended order: item {_number(ctx, a)} ({fmt(first)}) usually comes "
                f"before item {_number(ctx, b)} ({fmt(second)}).")


def _number(ctx: Context, item_id: str) -> str:
    item = ctx.checklist.item(item_id)
    return item.number if item else item_id
