"""Validate a checklist data file and build the domain Checklist from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
    CHECKLIST_PARAMETERS,
    DEFAULT_PARAMETERS,
    REQUIRE_VALUES,
    SELECTOR_KEYS,
    Checklist,
    Item,
    Rule,
    Selector,
    Who,
)
from referral_builder.domain.conditions import CONDITIONS
from referral_builder.domain.errors import InvalidChecklist
from referral_builder.domain.model import EVENT_TYPES, LETTER_PURPOSES
from referral_builder.domain.params import (
    ITEM_REFERENCES,
    Param,
    ValueType,
    is_number,
    is_whole,
    is_words,
)
from referral_builder.domain.rules import CASE_RULES, FILTERS, RuleSpec

ALL_RULES: dict[str, RuleSpec] = {**FILTERS, **CASE_RULES}


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


def _typed(kind: ValueType) -> Callable[[Any], None]:
    """A marshmallow validator for a value of a declared type, naming what was expected."""
    def validate_value(value: Any) -> None:
        if not kind.accepts(value):
            raise ValidationError(f"must be {kind.wanted}, not {value!r}")
    return validate_value


def parameter_field(param: Param) -> fields.Field:
    """The marshmallow field for one declared parameter (rule or checklist parameter)."""
    wanted = param.type.wanted
    return fields.Raw(required=param.required, validate=_typed(param.type),
                      allow_none=param.type.accepts(None),
                      error_messages={"required": "is needed",
                                      "null": f"must be {wanted}, not None"})


def _rule_schema(found: RuleSpec) -> type[Schema]:
    """A schema for one rule's parameters, built from its declaration."""
    declared: dict[str, fields.Field] = {p.name: parameter_field(p) for p in found.params}
    declared["rule"] = fields.String()
    declared["warn"] = fields.Boolean()
    built: type[Schema] = Schema.from_dict(declared, name=f"{found.name}_rule")
    return built


#: One schema per rule type, generated from the registry.
RULE_SCHEMAS: dict[str, type[Schema]] = {name: _rule_schema(r) for name, r in ALL_RULES.items()}

#: What each checklist-level parameter must be, from its declaration: (test, words).
CHECKLIST_PARAMETER_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    p.name: (p.type.accepts, p.type.wanted) for p in CHECKLIST_PARAMETERS}


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
        found = ALL_RULES[data["rule"]]
        name, takes = found.name, found.parameter_names
        unknown = sorted(set(original) - takes - {"rule", "warn"})
        if unknown:
            raise ValidationError(
                f"rule {name!r} takes no parameter {unknown[0]!r}"
                f" (it takes: {', '.join(sorted(takes)) or 'none'})")
        for key in found.required:
            if original.get(key) is None:
                raise ValidationError(f"rule {name!r} needs the parameter {key!r}")
        problems = RULE_SCHEMAS[name]().validate(original)
        for key in original:  # the first wrong parameter, in the order written
            if key in problems and key not in ("rule", "warn"):
                raise ValidationError(f"rule {name!r}: {key} {_flatten(problems[key])}")


def _names(kind: ValueType) -> Callable[[Any], str | None]:
    what = kind.noun

    def check(value: Any) -> str | None:
        if not is_words(value) or not value:
            return f"must be a list of {what}s"
        wrong = [v for v in value if v not in kind.choices]
        return (f"unknown {what} {wrong[0]!r} ({what}s: {', '.join(kind.choices)})"
                if wrong else None)
    return check


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {value!r}"


def _selector_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be an evidence selector"
    errors = SelectorSchema().validate(value)
    return _flatten(errors) if errors else None


def _threshold(value: Any) -> str | None:
    if not isinstance(value, dict) or not is_number(value.get("pct")):
        return "needs pct (a number)"
    if set(value) - {"pct", "inclusive"} or not isinstance(value.get("inclusive", False), bool):
        return "takes pct (a number) and inclusive (true or false)"
    return None


def _condition_check(kind: ValueType) -> Callable[[Any], str | None]:
    """How a condition's value is checked, by its declared type."""
    if kind.name == "names":
        return _names(kind)
    if kind.name == "flag":
        return _flag
    if kind.name == "item":
        return lambda v: None if isinstance(v, str) else "must be an item id"
    if kind.name == "selector":
        return _selector_problem
    if kind.name == "threshold":
        return _threshold
    return lambda v: None if kind.accepts(v) else f"must be {kind.wanted}, not {v!r}"


#: What each condition's value must be (from `conditions.CONDITIONS`): a typo in a flag name
#: would otherwise make the condition silently false, and the item silently not applicable.
CONDITION_CHECKS: dict[str, Callable[[Any], str | None]] = {
    key: _condition_check(c.value) for key, c in CONDITIONS.items()}


def _condition(value: Any) -> None:
    if not isinstance(value, dict) or not value:
        raise ValidationError("must be a mapping of conditions")
    unknown = sorted(set(value) - set(CONDITIONS))
    if unknown:
        raise ValidationError(f"unknown condition {unknown[0]!r}")
    for key, v in value.items():
        problem = CONDITION_CHECKS[key](v)
        if problem:
            raise ValidationError(f"{key}: {problem}")


def _require(value: Any) -> None:
    if isinstance(value, dict) and set(value) == {"count"} and is_whole(value["count"]) \
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
        has_filters = any(n in FILTERS for n in names)
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
        given: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                 for k, v in sel.items() if k in SELECTOR_KEYS}
        selector = Selector(**given)
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
