"""The types of rule parameters, condition values and checklist parameters.

Declared here once; `schemas/checklist.py` builds its validation of checklist files from them
and the checklist README's tables name them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: Rule parameters whose value names another item of the same checklist.
ITEM_REFERENCES = ("item", "from_item")
#: Conditions whose value names another item of the same checklist.
ITEM_CONDITIONS = ("item_not_applicable", "item_met")


@dataclass(frozen=True)
class ValueType:
    """What a parameter or condition value must be: a test and the words for it."""

    name: str                       # the type's name (the schema builds its field from it)
    wanted: str                     # "a whole number": how an error says what is expected
    test: Callable[[Any], bool]
    choices: tuple[str, ...] = ()   # for `one_of` and `names`
    noun: str = ""                  # for `names`: what one of the choices is called

    def accepts(self, value: Any) -> bool:
        return self.test(value)


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_words(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


WHOLE = ValueType("whole", "a whole number", is_whole)
NUMBER = ValueType("number", "a number", is_number)
FLAG = ValueType("flag", "true or false", lambda v: isinstance(v, bool))
TEXT = ValueType("text", "a name", _text)
ITEM = ValueType("item", "a name", _text)  # the id of another item of the same checklist
WORDS = ValueType("words", "a list of words", is_words)


def one_of(*choices: str) -> ValueType:
    return ValueType("one_of", "one of " + ", ".join(choices), lambda v: v in choices,
                     choices)


def names(choices: Sequence[str], noun: str) -> ValueType:
    """A non-empty list, each one of `choices` (a list of flags, of codes...)."""
    known = tuple(choices)
    return ValueType("names", f"a list of {noun}s",
                     lambda v: is_words(v) and bool(v) and all(x in known for x in v), known, noun)


#: An evidence selector (`types`, `purposes`...), as an item's `evidence` takes.
SELECTOR = ValueType("selector", "an evidence selector", lambda v: isinstance(v, dict))
#: An attendance threshold: `{pct: 90, inclusive: false}`.
THRESHOLD = ValueType(
    "threshold", "pct (a number) and inclusive (true or false)",
    lambda v: isinstance(v, dict) and is_number(v.get("pct")) and set(v) <= {"pct", "inclusive"}
    and isinstance(v.get("inclusive", False), bool))

BASIS = one_of("year_to_date", "window", "adjusted")
ADJUSTED_FORMULA = one_of("exclude_authorised", "authorised_as_present")
UNRESOLVED_N = one_of("block", "count", "exclude")


@dataclass(frozen=True)
class Param:
    """One parameter of a rule. `doc` replaces the generated words in the README table."""

    name: str
    type: ValueType
    default: Any = None
    required: bool = False
    doc: str = ""

    def __post_init__(self) -> None:
        if (self.type is ITEM) != (self.name in ITEM_REFERENCES):
            raise ValueError(f"parameter {self.name!r}: item references are named "
                             f"{' or '.join(ITEM_REFERENCES)} and typed ITEM")
