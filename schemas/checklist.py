"""Validate a checklist data file and build the domain Checklist from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from referral_builder.domain.checklist import (
    CASE_RULES,
    CONDITION_KEYS,
    DEFAULT_PARAMETERS,
    FILTER_RULES,
    ITEM_REFERENCES,
    REQUIRE_VALUES,
    SELECTOR_KEYS,
    Checklist,
    Item,
    Rule,
    Selector,
    Who,
)
from referral_builder.domain.codes import CODES_2024, CODES_LEGACY
from referral_builder.domain.errors import InvalidChecklist
from referral_builder.domain.model import (
    EVENT_TYPES,
    FLAG_NAMES,
    LETTER_PURPOSES,
    SEND_LEVELS,
    SUPPORTS,
)

ALL_RULES = {**FILTER_RULES, **CASE_RULES}


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class SelectorSchema(_Strict):
    types = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)))
    purposes = fields.List(fields.String(validate=validate.OneOf(LETTER_PURPOSES)))
    agencies = fields.List(fields.String())
    supports = fields.List(fields.String())
    meeting_kinds = fields.List(fields.String())
    meeting_statuses = fields.List(fields.String())
    services = fields.List(fields.String())
    internal = fields.Boolean()
    direction = fields.String(validate=validate.OneOf(("outgoing", "incoming", "any")))


class WhoSchema(_Strict):
    roles = fields.List(fields.String(), required=True)
    label = fields.String()


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _words(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _one_of(*allowed: str) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: v in allowed), "one of " + ", ".join(allowed)


#: What each rule parameter must be, so a typo fails on load and not in the middle of a check.
PARAMETER_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    **dict.fromkeys(("days", "gap_school_days", "sessions", "school_weeks",
                     "lookback_school_weeks", "min_words", "max_age_school_days",
                     "min_school_days", "max_school_days", "review_school_days"),
                    (_whole, "a whole number")),
    **dict.fromkeys(("pct", "below_pct"), (_number, "a number")),
    "inclusive": (lambda v: isinstance(v, bool), "true or false"),
    **dict.fromkeys(("item", "from_item", "what", "key"),
                    (lambda v: isinstance(v, str) and bool(v), "a name")),
    **dict.fromkeys(("purposes", "words", "values", "roles", "codes", "types"),
                    (_words, "a list of words")),
    "basis": _one_of("year_to_date", "window", "adjusted"),
    "adjusted_formula": _one_of("exclude_authorised", "authorised_as_present"),
    "unresolved_n": _one_of("block", "count", "exclude"),
    "trigger": _one_of("attendance_return", "sickness_return"),
}

#: Parameters a rule cannot work without (the others have defaults).
REQUIRED_PARAMETERS: dict[str, tuple[str, ...]] = {
    "after_item": ("item",), "before_item": ("item",), "school_days_since": ("item",),
    "after_stage_start": ("below_pct",), "stage_reached": ("below_pct",),
    "attendance_below": ("pct",), "free_text": ("key",), "outcome_recorded": ("values",),
    "by_role": ("roles",),
}

#: What each checklist-level parameter must be (None allowed where the default is None).
CHECKLIST_PARAMETER_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "window_school_weeks": (lambda v: v is None or (_whole(v) and v > 0),
                            "a whole number of weeks, or null"),
    "referral_week_counts": (lambda v: isinstance(v, bool), "true or false"),
    "conditional_needs_declaration": (lambda v: isinstance(v, bool), "true or false"),
    "warn_if_not_persistent_absence": (lambda v: isinstance(v, bool), "true or false"),
    "min_possible_sessions": (_whole, "a whole number"),
    "deemed_receipt_working_days": (_whole, "a whole number"),
    "n_code_grace_school_days": (_whole, "a whole number"),
    "separate_letters_per_address": (lambda v: isinstance(v, bool), "true or false"),
    "numbered_letters": (lambda v: isinstance(v, list) and all(
        isinstance(g, list) and all(isinstance(i, str) for i in g) for g in v),
        "a list of lists of item ids"),
    "letter_templates": (lambda v: isinstance(v, dict) and all(
        isinstance(t, list) and all(isinstance(x, str) for x in t) for t in v.values()),
        "a mapping of item id to a list of template ids"),
    "declaration_roles": (lambda v: isinstance(v, list) and bool(v)
                          and all(r in ("dsl", "school_staff") for r in v),
                          "a list of roles: dsl, school_staff"),
}


class RuleSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # parameters are checked against the rule's own list below

    rule = fields.String(required=True, validate=validate.OneOf(
        sorted(ALL_RULES), error="there is no rule {input!r} (rules: {choices})"))
    warn = fields.Boolean()

    @validates_schema(pass_original=True)
    def _known_parameters(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        if not isinstance(original, dict) or data.get("rule") not in ALL_RULES:
            return
        name = data["rule"]
        allowed = ALL_RULES[name] | {"rule", "warn"}
        unknown = sorted(set(original) - allowed)
        if unknown:
            raise ValidationError(
                f"rule {name!r} takes no parameter {unknown[0]!r}"
                f" (it takes: {', '.join(sorted(ALL_RULES[name])) or 'none'})")
        for key in REQUIRED_PARAMETERS.get(name, ()):
            if original.get(key) is None:
                raise ValidationError(f"rule {name!r} needs the parameter {key!r}")
        for key, value in original.items():
            check, wanted = PARAMETER_TYPES.get(key, (None, ""))
            if check is not None and not check(value):
                raise ValidationError(
                    f"rule {name!r}: {key} must be {wanted}, not {value!r}")


def _names(allowed: Iterable[str], what: str) -> Callable[[Any], str | None]:
    known = tuple(allowed)

    def check(value: Any) -> str | None:
        if not _words(value) or not value:
            return f"must be a list of {what}s"
        wrong = [v for v in value if v not in known]
        return f"unknown {what} {wrong[0]!r} ({what}s: {', '.join(known)})" if wrong else None
    return check


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {value!r}"


def _selector_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be an evidence selector"
    errors = SelectorSchema().validate(value)
    return _flatten(errors) if errors else None


def _threshold(value: Any) -> str | None:
    if not isinstance(value, dict) or not _number(value.get("pct")):
        return "needs pct (a number)"
    if set(value) - {"pct", "inclusive"} or not isinstance(value.get("inclusive", False), bool):
        return "takes pct (a number) and inclusive (true or false)"
    return None


#: What each condition's value must be: a typo in a flag name would otherwise make the
#: condition silently false, and the item silently not applicable.
CONDITION_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "flags": _names(FLAG_NAMES, "flag"),
    "send": _names(SEND_LEVELS, "SEND level"),
    "register_codes": _names(sorted({*CODES_2024, *CODES_LEGACY}), "code"),
    "unresolved_n": _flag, "meeting_not_attended": _flag,
    "attendance_return_due": _flag, "sickness_return_due": _flag,
    "item_not_applicable": lambda v: None if isinstance(v, str) else "must be an item id",
    "item_met": lambda v: None if isinstance(v, str) else "must be an item id",
    "refused_support": _names(SUPPORTS, "kind of support"),
    "events": _selector_problem,
    "passed_below": _threshold,
    "never_below": _threshold,
}


def _condition(value: Any) -> None:
    if not isinstance(value, dict) or not value:
        raise ValidationError("must be a mapping of conditions")
    unknown = sorted(set(value) - CONDITION_KEYS)
    if unknown:
        raise ValidationError(f"unknown condition {unknown[0]!r}")
    for key, v in value.items():
        check = CONDITION_CHECKS.get(key)
        problem = check(v) if check else None
        if problem:
            raise ValidationError(f"{key}: {problem}")


def _require(value: Any) -> None:
    if isinstance(value, dict) and set(value) == {"count"} and _whole(value["count"]) \
            and value["count"] >= 1:
        return
    if value not in REQUIRE_VALUES:
        raise ValidationError(f"must be one of {', '.join(REQUIRE_VALUES)} or {{count: N}}")


class ItemSchema(_Strict):
    id = fields.String(required=True)
    number = fields.String(required=True)
    wording = fields.String(required=True, validate=validate.Length(min=1))
    requirement = fields.String(
        required=True, validate=validate.OneOf(("mandatory", "conditional", "optional")))
    rules = fields.List(fields.Dict(), load_default=list)
    evidence = fields.Nested(SelectorSchema)
    require = fields.Raw(validate=_require)
    applies_if = fields.Raw(validate=_condition)
    skip_if = fields.Raw(validate=_condition)
    who = fields.Nested(WhoSchema)
    missing = fields.String()

    @validates_schema
    def _rules_fit(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, Any] = {}
        for n, raw in enumerate(data.get("rules", [])):
            try:
                RuleSchema().load(raw)
            except ValidationError as exc:
                errors[str(n)] = exc.messages
        if errors:
            raise ValidationError({"rules": errors})
        names = [r.get("rule") for r in data.get("rules", [])]
        has_filters = any(n in FILTER_RULES for n in names)
        if has_filters and "evidence" not in data:
            raise ValidationError("filter rules need an 'evidence' selector", "rules")
        if "evidence" not in data and not names:
            raise ValidationError("an item needs 'evidence' or at least one rule", "rules")
        if data.get("applies_if") and data.get("requirement") != "conditional":
            raise ValidationError("only conditional items take 'applies_if'", "applies_if")


class ChecklistSchema(_Strict):
    id = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("authority", "school_process")))
    version = fields.String(required=True)
    effective_from = fields.Date(required=True)
    source = fields.String(required=True)
    source_file = fields.String()
    prefix = fields.String()
    parameters = fields.Dict(keys=fields.String(), load_default=dict)

    @validates("parameters")
    def _known_checklist_parameters(self, value: dict[str, Any], **_: Any) -> None:
        unknown = sorted(set(value) - set(DEFAULT_PARAMETERS))
        if unknown:
            raise ValidationError(f"unknown parameter {unknown[0]!r} (known: "
                                  f"{', '.join(sorted(DEFAULT_PARAMETERS))})")
        for key, v in value.items():
            check, wanted = CHECKLIST_PARAMETER_TYPES.get(key, (None, ""))
            if check is not None and not check(v):
                raise ValidationError(f"{key} must be {wanted}, not {v!r}")
    confirmation = fields.String()
    recommended_order = fields.List(fields.String(), load_default=list)
    aliases = fields.List(fields.String(), load_default=list)
    items = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1))


def _item_label(raw: Any, n: int) -> str:
    return f"item {raw['id']!r}" if isinstance(raw, dict) and "id" in raw else f"items[{n}]"


def _flatten(messages: Any) -> str:
    if isinstance(messages, dict):
        parts = []
        for key, value in messages.items():
            inner = _flatten(value)
            parts.append(inner if key == "_schema" else f"{key}: {inner}")
        return "; ".join(parts)
    if isinstance(messages, list):
        return "; ".join(_flatten(m) for m in messages)
    return str(messages)


def build_checklist(data: Any, source_name: str) -> Checklist:
    """Validate a parsed checklist file and return it, or raise InvalidChecklist naming the item."""
    if isinstance(data, dict) and isinstance(data.get("effective_from"), dt.date):
        data = {**data, "effective_from": data["effective_from"].isoformat()}
    try:
        top = ChecklistSchema().load(data)
    except ValidationError as exc:
        raise InvalidChecklist(f"{source_name}: {_flatten(exc.messages)}") from None
    items: list[Item] = []
    seen: set[str] = set()
    for n, raw in enumerate(top["items"]):
        label = _item_label(raw, n)
        try:
            loaded = ItemSchema().load(raw)
        except ValidationError as exc:
            raise InvalidChecklist(f"{source_name}, {label}: {_flatten(exc.messages)}") from None
        if loaded["id"] in seen:
            raise InvalidChecklist(f"{source_name}, {label}: the id is used twice")
        if top.get("prefix") and not loaded["id"].startswith(top["prefix"] + "_"):
            raise InvalidChecklist(
                f"{source_name}, {label}: ids in this file start with {top['prefix']}_")
        seen.add(loaded["id"])
        items.append(_build_item(loaded))
    ids = {i.id for i in items}
    for item in items:
        for rule in item.rules:
            for key in ITEM_REFERENCES:
                ref = rule.get(key)
                if ref is not None and ref not in ids:
                    raise InvalidChecklist(
                        f"{source_name}, item {item.id!r}: rule {rule.name!r} names item "
                        f"{ref!r}, which is not in this checklist")
        for ref in sorted(item.references - ids):
            raise InvalidChecklist(f"{source_name}, item {item.id!r}: a condition names item "
                                   f"{ref!r}, which is not in this checklist")
    params = top["parameters"]
    named = [i for g in params.get("numbered_letters", []) for i in g]
    named += list(params.get("letter_templates", {}))
    for ref in named:
        if ref not in ids:
            raise InvalidChecklist(f"{source_name}: parameters name unknown item {ref!r}")
    for ref in top["recommended_order"]:
        if ref not in ids:
            raise InvalidChecklist(f"{source_name}: recommended_order names unknown item {ref!r}")
    _check_no_cycles(items, source_name)
    return Checklist(
        id=top["id"], title=top["title"], kind=top["kind"], version=top["version"],
        effective_from=top["effective_from"], source=top["source"], items=tuple(items),
        parameters=top["parameters"], prefix=top.get("prefix", ""),
        source_file=top.get("source_file", ""), confirmation=top.get("confirmation", ""),
        recommended_order=tuple(top["recommended_order"]), aliases=tuple(top["aliases"]),
    )


def _build_item(d: dict[str, Any]) -> Item:
    sel = d.get("evidence")
    selector = None
    if sel is not None:
        selector = Selector(**{k: tuple(v) if isinstance(v, list) else v
                               for k, v in sel.items() if k in SELECTOR_KEYS})
    require = d.get("require", "any")
    if isinstance(require, dict):
        require = int(require["count"])
    rules = tuple(
        Rule(r["rule"], {k: v for k, v in r.items() if k not in ("rule", "warn")},
             bool(r.get("warn", False)))
        for r in d["rules"])
    who = d.get("who")
    return Item(
        id=d["id"], number=d["number"], wording=" ".join(d["wording"].split()),
        requirement=d["requirement"], rules=rules, evidence=selector, require=require,
        applies_if=d.get("applies_if"), skip_if=d.get("skip_if"),
        who=Who(tuple(who["roles"]), who.get("label", "")) if who else None,
        missing=d.get("missing", ""),
    )


def _check_no_cycles(items: list[Item], source_name: str) -> None:
    deps = {i.id: i.references for i in items}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            raise InvalidChecklist(
                f"{source_name}: items refer to each other in a circle: "
                + " -> ".join([*trail, node]))
        state[node] = 1
        for dep in deps.get(node, ()):
            visit(dep, [*trail, node])
        state[node] = 2

    for i in items:
        visit(i.id, [])
