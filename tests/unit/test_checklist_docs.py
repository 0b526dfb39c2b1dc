"""Each rule is declared once (issue 12.3): the registry drives the engine, the checklist
schema and the checklist README's tables, and nothing else lists rules."""

from __future__ import annotations

import pytest
from referral_builder.schemas import checklist as schema

from referral_builder.domain import docs
from referral_builder.domain.checklist import CHECKLIST_PARAMETERS, DEFAULT_PARAMETERS, Rule
from referral_builder.domain.conditions import CONDITIONS
from referral_builder.domain.params import ITEM, WHOLE, Param
from referral_builder.domain.rules import CASE_RULES, FILTERS, bind
from tests.unit.test_checklist_schema import error, one_item

README = docs.README.read_text(encoding="utf-8")


def test_the_readme_tables_are_written_from_the_registry():
    # Fails when a rule, parameter, default or condition changes and the README was not
    # regenerated: run `python -m referral_builder.domain.docs`.
    assert docs.render(README) == README


def test_the_readme_has_every_generated_section():
    assert sorted(docs.sections_in(README)) == sorted(docs.SECTIONS)


def test_a_stale_table_is_found():
    stale = README.replace("| `min_notice` | `days` (7) |", "| `min_notice` | `days` (6) |")
    assert stale != README
    assert docs.render(stale) == README


def test_every_rule_and_condition_is_in_the_readme():
    for name in [*FILTERS, *CASE_RULES]:
        assert f"| `{name}` |" in README
    for key in CONDITIONS:
        assert f"| `{key}: " in README


def test_every_checklist_parameter_is_in_the_readme_layout():
    assert [p.name for p in CHECKLIST_PARAMETERS] == list(DEFAULT_PARAMETERS)
    for p in CHECKLIST_PARAMETERS:
        assert f"  {p.name}:" in README


def test_rule_names_are_unique_across_kinds():
    assert not set(FILTERS) & set(CASE_RULES)
    assert all(s.kind == "filter" for s in FILTERS.values())
    assert all(s.kind == "case" for s in CASE_RULES.values())


def test_the_schema_validates_exactly_the_declared_parameters():
    for name, spec in {**FILTERS, **CASE_RULES}.items():
        fields = set(schema.RULE_SCHEMAS[name]().fields) - {"rule", "warn"}
        assert fields == set(spec.parameter_names), name


def test_the_schema_checks_conditions_declared_in_the_table():
    assert set(schema.CONDITION_CHECKS) == set(CONDITIONS)


def test_declared_defaults_fill_what_the_checklist_leaves_out():
    bound = bind(Rule("min_notice", {}))
    assert bound.params == {"days": 7}
    assert bind(Rule("min_notice", {"days": 10})).params == {"days": 10}
    # A rule given every parameter is used as written.
    written = Rule("free_text", {"key": "why", "min_words": 3})
    assert bind(written) is written


def test_an_item_reference_must_be_typed_as_one():
    with pytest.raises(ValueError, match="item references"):
        Param("item", WHOLE)
    with pytest.raises(ValueError, match="item references"):
        Param("meeting", ITEM)


def test_the_readme_section_is_rewritten_on_disk(tmp_path, capsys):
    copy = tmp_path / "README.md"
    copy.write_text(README.replace("| `in_window` | — |", "| `in_window` | x |"),
                    encoding="utf-8")
    assert docs.main([str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == README
    assert "rewritten" in capsys.readouterr().out


# ---- parameters typed by their declaration, including those the schema used to skip -----

@pytest.mark.parametrize(("rule_line", "problem"), [
    ("{rule: reviewed, improved: maybe}",
     "rule 'reviewed': improved must be true or false, not 'maybe'"),
    ("{rule: after_nth_meeting, n: first}",
     "rule 'after_nth_meeting': n must be a whole number, not 'first'"),
    ("{rule: meeting_kind, kinds: attendance_meeting}",
     "rule 'meeting_kind': kinds must be a list of words, not 'attendance_meeting'"),
    ("{rule: after_meeting, same_day: sometimes}",
     "rule 'after_meeting': same_day must be true or false, not 'sometimes'"),
    ("{rule: min_notice, days: null}", "rule 'min_notice': days must be a whole number, not None"),
    ("{rule: review_of_item, min_school_days: 10}",
     "rule 'review_of_item' needs the parameter 'item'"),
])
def test_a_declared_type_is_checked_when_the_file_is_loaded(tmp_path, rule_line, problem):
    msg = error(tmp_path, one_item("evidence: {types: [letter]}", "rules:", f"  - {rule_line}"))
    assert msg == f"demo.yaml, item 'dem_x': rules: 0: {problem}"


def test_a_declared_condition_value_is_checked(tmp_path):
    msg = error(tmp_path, one_item("evidence: {types: [letter]}",
                                   "skip_if: {send: [statement]}"))
    assert msg.endswith("skip_if: send: unknown SEND level 'statement' (SEND levels: none, "
                        "send_support, ehcp)")
