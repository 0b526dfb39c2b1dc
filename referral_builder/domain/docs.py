"""The checklist README's rule and condition tables, written from the declarations.

`render(text)` returns the README with every generated section rewritten; a section sits
between `<!-- generated: NAME -->` and `<!-- end generated: NAME -->`. Rewrite the file with

    python -m referral_builder.domain.docs [path/to/README.md]

(default: evidence_checklists/README.md); tests/unit/test_checklist_docs.py fails when the
file is not current.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from .conditions import CONDITIONS, Condition
from .params import Param
from .rules import CASE_RULES, FILTERS, RULE_MODULES, RuleSpec

#: The checklist README, found the way the checklists are (package `evidence_checklists`).
README = Path(str(resources.files("referral_builder.evidence_checklists"))) / "README.md"
_SECTION = re.compile(r"(<!-- generated: (?P<name>[a-z_]+) -->\n)(?P<body>.*?)"
                      r"(<!-- end generated: (?P=name) -->)", re.S)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, str):
        return f"`{value}`"
    return str(value)


def parameter_words(p: Param) -> str:
    """`days` (7), `item` (required), `basis` (`year_to_date`, `window`, `adjusted`)."""
    text = f"`{p.name}`"
    if p.doc:
        return f"{text} {p.doc}"
    if p.required:
        return f"{text} (required)"
    if p.type.choices and p.type.name == "one_of":
        return f"{text} ({', '.join(f'`{c}`' for c in p.type.choices)})"
    if p.default is not None:
        return f"{text} ({_value(p.default)})"
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _in_module_order(rules: Iterable[RuleSpec]) -> list[RuleSpec]:
    """Rules grouped by the module that declares them (`rules.RULE_MODULES`), as declared."""
    order = [m.__name__ for m in RULE_MODULES]
    return sorted(rules, key=lambda r: order.index(r.fn.__module__))


def rule_table(rules: Iterable[RuleSpec], last_column: str) -> str:
    lines = [f"| rule | parameters | {last_column} |", "| --- | --- | --- |"]
    for r in _in_module_order(rules):
        params = ", ".join(parameter_words(p) for p in r.params) or "—"
        lines.append(f"| `{r.name}` | {_cell(params)} | {_cell(r.description)} |")
    return "\n".join(lines) + "\n"


def _condition_key(c: Condition) -> str:
    shapes = {"names": "[..]", "flag": "true", "item": "id", "selector": "{selector}",
              "threshold": "{pct, inclusive}"}
    return f"`{c.key}: {shapes.get(c.value.name, '..')}`"


def condition_table() -> str:
    lines = ["| key | true when |", "| --- | --- |"]
    lines += [f"| {_condition_key(c)} | {_cell(c.doc)} |" for c in CONDITIONS.values()]
    return "\n".join(lines) + "\n"


SECTIONS: dict[str, Callable[[], str]] = {
    "filter_rules": lambda: rule_table(FILTERS.values(), "passes when"),
    "case_rules": lambda: rule_table(CASE_RULES.values(), "met when"),
    "conditions": condition_table,
}


def render(text: str) -> str:
    """The README with each generated section rewritten from the declarations."""
    def rewrite(m: re.Match[str]) -> str:
        make = SECTIONS.get(m.group("name"))
        if make is None:
            return m.group(0)
        return m.group(1) + make() + m.group(4)
    return _SECTION.sub(rewrite, text)


def sections_in(text: str) -> list[str]:
    return [m.group("name") for m in _SECTION.finditer(text)]


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else README
    old = path.read_text(encoding="utf-8")
    new = render(old)
    missing = sorted(set(SECTIONS) - set(sections_in(old)))
    if missing:
        print(f"{path}: no generated section for {', '.join(missing)}", file=sys.stderr)
        return 1
    if new != old:
        path.write_text(new, encoding="utf-8")
        print(f"{path}: rule and condition tables rewritten")
    else:
        print(f"{path}: already current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
