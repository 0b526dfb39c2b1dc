"""Write the `referral-plan/1` document (README, "The plan"): what next, and by when.

The marshmallow schema describes the document; `dump_plan` builds it from a domain Plan and
validates it against the schema, so what is published always matches what is described.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from referral_builder.domain.calendar import fmt
from referral_builder.domain.planner import Plan

FORMAT = "referral-plan/1"


class StandingSchema(Schema):
    checklist = fields.String(required=True)
    item = fields.String(required=True)
    number = fields.String(required=True)
    met = fields.Boolean(required=True)
    since = fields.Date(allow_none=True, required=True)
    figures = fields.List(fields.String(), required=True)


class StepSchema(Schema):
    id = fields.String(required=True)
    item = fields.String(required=True)
    checklist = fields.String(required=True)
    number = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(
        ("event", "meeting", "declaration", "statement", "not_applicable", "wait",
         "register")))
    action = fields.String(required=True)
    template = fields.String(allow_none=True, required=True)
    carers = fields.List(fields.String(), required=True)
    meeting = fields.String(allow_none=True, required=True)
    not_before = fields.Date(required=True)
    by = fields.Date(required=True)
    why = fields.String(required=True)
    record = fields.Dict(allow_none=True, required=True)
    free_text_key = fields.String(allow_none=True, required=True)
    # A paper of a named kind the recorded event attaches (added after referral-plan/1's first
    # release; absent means none): add it to the case's `documents` with the file attached.
    document = fields.Dict(allow_none=True, load_default=None)


class ExpiringSchema(Schema):
    item = fields.String(required=True)
    checklist = fields.String(required=True)
    event = fields.String(required=True)
    date = fields.Date(required=True)
    expires = fields.Date(required=True)
    refer_by = fields.Date(required=True)
    text = fields.String(required=True)


class DutySchema(Schema):
    rule = fields.String(required=True, validate=validate.OneOf(
        ("NR-09", "NR-10", "NR-13", "NR-14")))
    due = fields.Date(allow_none=True, required=True)
    done = fields.Boolean(required=True)
    text = fields.String(required=True)


class PlanSchema(Schema):
    format = fields.String(required=True, validate=validate.Equal(FORMAT))
    case = fields.String(required=True)
    as_of = fields.Date(required=True)
    ready_now = fields.Boolean(required=True)
    earliest_referral_date = fields.Date(allow_none=True, required=True)
    stands = fields.List(fields.Nested(StandingSchema), required=True)
    next_steps = fields.List(fields.Nested(StepSchema), required=True)
    expiring = fields.List(fields.Nested(ExpiringSchema), required=True)
    duties = fields.List(fields.Nested(DutySchema), required=True)
    blocked = fields.List(fields.String(), required=True)
    notes = fields.List(fields.String(), required=True)


def _record(plan_step: Any) -> dict[str, Any] | None:
    """The event that records the step on its `by` date, as a `referral-case/1` event.

    A stated attendance % is the register's figure on that date (or its last mark before).
    """
    e = plan_step.event
    if e is None:
        return None
    out: dict[str, Any] = {"id": e.id, "type": e.type, "date": plan_step.by.isoformat()}
    for key in ("time", "meeting", "kind", "status", "agency", "support", "service", "of",
                "outcome", "template"):
        if getattr(e, key) is not None:
            out[key] = getattr(e, key)
    if e.improved is not None:
        out["improved"] = e.improved
    for key in ("to", "purposes", "encloses", "documents", "evidence_for"):
        if getattr(e, key):
            out[key] = list(getattr(e, key))
    if e.with_:
        out["with"] = list(e.with_)
    if e.attended is not None:
        out["attended"] = list(e.attended)
    if e.internal is not None:
        out["internal"] = e.internal
    if e.consent_requested is not None:
        out["consent_requested"] = e.consent_requested
    if e.by is not None and e.by.role:
        out["by"] = {"name": e.by.name, "role": e.by.role}
    if e.direction != "outgoing":
        out["direction"] = e.direction
    if e.states_attendance_pct is not None:
        out["states_attendance_pct"] = e.states_attendance_pct
    return out


def dump_plan(plan: Plan) -> dict[str, Any]:
    """Return the plan as the `referral-plan/1` JSON document (dates as YYYY-MM-DD)."""
    doc = {
        "format": FORMAT,
        "case": plan.case,
        "as_of": plan.as_of,
        "ready_now": plan.ready_now,
        "earliest_referral_date": plan.earliest_referral_date,
        "stands": [{"checklist": s.checklist, "item": s.item, "number": s.number, "met": s.met,
                    "since": s.since, "figures": list(s.figures)} for s in plan.stands],
        "next_steps": [{"id": s.id, "item": s.item, "checklist": s.checklist,
                        "number": s.number, "kind": s.kind, "action": s.action,
                        "template": s.template, "carers": list(s.carers),
                        "meeting": s.meeting, "not_before": s.not_before, "by": s.by,
                        "why": s.why, "record": _record(s),
                        "free_text_key": s.statement[0] if s.statement else None,
                        "document": None if s.document is None else {
                            "id": s.document.id, "file": s.document.file,
                            "title": s.document.title, "kind": s.document.kind}}
                       for s in plan.next_steps],
        "expiring": [{"item": x.item, "checklist": x.checklist, "event": x.event,
                      "date": x.date, "expires": x.expires, "refer_by": x.refer_by,
                      "text": x.text} for x in plan.expiring],
        "duties": [{"rule": d.rule, "due": d.due, "done": d.done, "text": d.text}
                   for d in plan.duties],
        "blocked": list(plan.blocked),
        "notes": list(plan.notes),
    }
    schema = PlanSchema()
    result: dict[str, Any] = schema.dump(doc)
    errors = schema.validate(result)
    if errors:  # a programming error: the document must match what the README describes
        raise ValueError(f"referral-plan/1 document does not match its schema: {errors}")
    return result


def render_plan(plan: Plan, carer_names: dict[str, str]) -> str:
    """The plan in plain language, for a person."""
    lines = [f"Plan for referral {plan.case}, as of {fmt(plan.as_of)}.", ""]
    if plan.ready_now:
        lines.append("READY: the referral can be made today.")
    elif plan.earliest_referral_date:
        lines.append(f"Earliest referral date: {fmt(plan.earliest_referral_date)}, if every "
                     "step below is taken by its date.")
    else:
        lines.append("No referral date can be planned yet:")
        lines += [f"  - {b}" for b in plan.blocked]
    lines += ["", "Where the pupil stands:"]
    for s in plan.stands:
        head = f"  {s.checklist} item {s.number}: " if s.checklist else "  "
        state = ("met" + (f" since {fmt(s.since)}" if s.since else "")) if s.checklist else ""
        lines.append(head + (f"{state}. " if state else "") + " ".join(s.figures))
    if plan.next_steps:
        lines += ["", "Next steps:"]
        for n, step in enumerate(plan.next_steps, 1):
            when = (f"on {fmt(step.by)}" if step.by == step.not_before
                    else f"from {fmt(step.not_before)}, by {fmt(step.by)}")
            lines.append(f"  {n}. {when}: {step.action}.")
            if step.carers:
                lines.append("     To: " + ", ".join(carer_names.get(c, c) for c in step.carers))
            lines.append(f"     Why: {step.why}. [{step.item}]")
    if plan.expiring:
        lines += ["", "Expiring evidence:"]
        lines += [f"  - {x.text}." for x in plan.expiring]
    if plan.duties:
        lines += ["", "National duties:"]
        lines += [f"  - {d.rule}: {d.text}" for d in plan.duties]
    if plan.notes:
        lines += ["", "Notes:"]
        lines += [f"  - {n}" for n in plan.notes]
    return "\n".join(lines) + "\n"
