"""Checklist data files (schemas/checklist.py): every error names the file and the item.

Each test writes a small YAML file to tmp_path and loads it the way the application does.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from referral_builder.checklists import all_checklists, checklist_dir, load_checklist_file
from referral_builder.domain.checklist import Checklist
from referral_builder.domain.errors import InvalidChecklist

HEADER = """\
id: demo
title: "Demo authority: legal intervention referral"
kind: authority
version: "2024-09"
effective_from: 2024-09-01
source: "Tests"
prefix: dem
"""

GOOD_ITEMS = """\
items:
  - id: dem_letter
    number: "1"
    wording: "Letters sent with regards to attendance concerns."
    requirement: mandatory
    evidence: {types: [letter, email], purposes: [attendance_concern]}
    rules:
      - rule: in_window
  - id: dem_invite
    number: "2"
    wording: "Parents invited in writing with at least 7 days' notice."
    requirement: mandatory
    evidence: {types: [letter, email], purposes: [meeting_invite]}
    require: each_carer
    rules:
      - rule: min_notice
        days: 7
      - rule: after_item
        item: dem_letter
        gap_school_days: 10
"""


def write(tmp_path: Path, body: str, name: str = "demo.yaml", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


def load(tmp_path: Path, body: str, **kwargs: Any) -> Checklist:
    return load_checklist_file(write(tmp_path, body, **kwargs))


def error(tmp_path: Path, body: str, **kwargs: Any) -> str:
    with pytest.raises(InvalidChecklist) as caught:
        load(tmp_path, body, **kwargs)
    return str(caught.value)


def one_item(*lines: str, id: str = "dem_x", requirement: str = "mandatory") -> str:
    """A file with one item whose extra YAML lines are given."""
    extra = "".join(f"    {line}\n" for line in lines)
    return ("items:\n"
            f"  - id: {id}\n"
            '    number: "1"\n'
            '    wording: "Some wording."\n'
            f"    requirement: {requirement}\n" + extra)


# ---- a good file -----------------------------------------------------------------------

class TestGoodFile:
    def test_a_good_file_loads_into_the_domain_checklist(self, tmp_path):
        c = load(tmp_path, GOOD_ITEMS)
        assert (c.id, c.prefix, c.version) == ("demo", "dem", "2024-09")
        assert [i.id for i in c.items] == ["dem_letter", "dem_invite"]
        invite = c.item("dem_invite")
        assert invite is not None
        assert invite.require == "each_carer"
        assert [(r.name, r.params) for r in invite.rules] == [
            ("min_notice", {"days": 7}),
            ("after_item", {"item": "dem_letter", "gap_school_days": 10})]
        assert invite.evidence is not None
        assert invite.evidence.types == ("letter", "email")

    def test_a_count_requirement_becomes_a_number(self, tmp_path):
        c = load(tmp_path, one_item("evidence: {types: [letter]}", "require: {count: 2}"))
        assert c.items[0].require == 2

    def test_wording_is_joined_onto_one_line(self, tmp_path):
        c = load(tmp_path, one_item("evidence: {types: [letter]}").replace(
            'wording: "Some wording."', "wording: >-\n      Two\n      lines."))
        assert c.items[0].wording == "Two lines."

    def test_warn_is_read_off_the_rule_not_kept_as_a_parameter(self, tmp_path):
        c = load(tmp_path, one_item("evidence: {types: [letter]}", "rules:",
                                    "  - {rule: by_role, roles: [ao], warn: true}"))
        r = c.items[0].rules[0]
        assert (r.warn, r.params) == (True, {"roles": ["ao"]})


# ---- errors name the file and the item -------------------------------------------------

class TestItemErrors:
    def test_an_unknown_rule(self, tmp_path):
        msg = error(tmp_path, one_item("rules:", "  - rule: in_windw"))
        assert msg.startswith("demo.yaml, item 'dem_x': rules: 0: rule: there is no rule "
                              "'in_windw' (rules: ")
        assert "in_window" in msg  # the list of rules to choose from

    def test_an_unknown_parameter_names_the_rule_and_what_it_takes(self, tmp_path):
        msg = error(tmp_path, one_item("evidence: {types: [letter]}", "rules:",
                                       "  - {rule: min_notice, dayz: 7}"))
        assert msg.startswith("demo.yaml, item 'dem_x': ")
        assert "rule 'min_notice' takes no parameter 'dayz' (it takes: days)" in msg

    def test_a_parameter_for_a_rule_that_takes_none(self, tmp_path):
        msg = error(tmp_path, one_item("evidence: {types: [letter]}", "rules:",
                                       "  - {rule: in_window, weeks: 12}"))
        assert "rule 'in_window' takes no parameter 'weeks' (it takes: none)" in msg

    @pytest.mark.parametrize(("rule_line", "problem"), [
        ("{rule: min_notice, days: seven}",
         "rule 'min_notice': days must be a whole number, not 'seven'"),
        ("{rule: min_notice, days: -1}", "rule 'min_notice': days must be a whole number, not -1"),
        ("{rule: min_notice, days: true}",
         "rule 'min_notice': days must be a whole number, not True"),
        ("{rule: after_item, item: dem_x, gap_school_days: ten}",
         "rule 'after_item': gap_school_days must be a whole number, not 'ten'"),
        ("{rule: after_stage_start, below_pct: ninety}",
         "rule 'after_stage_start': below_pct must be a number, not 'ninety'"),
        ("{rule: after_stage_start, below_pct: 95, inclusive: maybe}",
         "rule 'after_stage_start': inclusive must be true or false, not 'maybe'"),
        ("{rule: mentions, words: support}",
         "rule 'mentions': words must be a list of words, not 'support'"),
    ])
    def test_a_parameter_of_the_wrong_type(self, tmp_path, rule_line, problem):
        # Without this the engine would stop mid-check with int("seven").
        msg = error(tmp_path, one_item("evidence: {types: [letter]}", "rules:",
                                       f"  - {rule_line}"))
        assert msg == f"demo.yaml, item 'dem_x': rules: 0: {problem}"

    @pytest.mark.parametrize(("rule_line", "needed"), [
        ("{rule: attendance_below}", "rule 'attendance_below' needs the parameter 'pct'"),
        ("{rule: free_text}", "rule 'free_text' needs the parameter 'key'"),
        ("{rule: stage_reached}", "rule 'stage_reached' needs the parameter 'below_pct'"),
        ("{rule: school_days_since, min_school_days: 5}",
         "rule 'school_days_since' needs the parameter 'item'"),
    ])
    def test_a_case_rule_missing_a_parameter_it_needs(self, tmp_path, rule_line, needed):
        # Without this the engine would stop mid-check with float(None).
        msg = error(tmp_path, one_item("rules:", f"  - {rule_line}"))
        assert msg == f"demo.yaml, item 'dem_x': rules: 0: {needed}"

    def test_after_item_without_the_item_it_follows(self, tmp_path):
        # Without this the rule would quietly pass every event.
        msg = error(tmp_path, one_item("evidence: {types: [letter]}", "rules:",
                                       "  - {rule: after_item}"))
        assert msg == "demo.yaml, item 'dem_x': rules: 0: rule 'after_item' needs the " \
                      "parameter 'item'"

    def test_an_unknown_enumerated_value(self, tmp_path):
        msg = error(tmp_path, one_item("rules:", "  - {rule: attendance_below, pct: 90, "
                                                 "basis: termly}"))
        assert msg == ("demo.yaml, item 'dem_x': rules: 0: rule 'attendance_below': basis must "
                       "be one of year_to_date, window, adjusted, not 'termly'")

    def test_a_duplicate_id(self, tmp_path):
        body = GOOD_ITEMS + ('  - id: dem_letter\n    number: "3"\n    wording: "Again."\n'
                             "    requirement: optional\n    evidence: {types: [letter]}\n")
        assert error(tmp_path, body) == "demo.yaml, item 'dem_letter': the id is used twice"

    def test_a_dangling_item_reference(self, tmp_path):
        body = GOOD_ITEMS.replace("item: dem_letter", "item: dem_leter")
        assert error(tmp_path, body) == (
            "demo.yaml, item 'dem_invite': rule 'after_item' names item 'dem_leter', which is "
            "not in this checklist")

    def test_a_dangling_from_item_reference(self, tmp_path):
        msg = error(tmp_path, one_item("rules:", "  - {rule: review_intervals, "
                                                 "from_item: dem_plan}"))
        assert "names item 'dem_plan', which is not in this checklist" in msg

    def test_items_that_refer_to_each_other_in_a_circle(self, tmp_path):
        body = GOOD_ITEMS.replace("      - rule: in_window\n",
                                  "      - rule: in_window\n"
                                  "      - {rule: before_item, item: dem_invite}\n"
                                  "      - {rule: after_item, item: dem_invite}\n")
        msg = error(tmp_path, body)
        assert msg.startswith("demo.yaml: items refer to each other in a circle: ")
        assert "dem_letter -> dem_invite -> dem_letter" in msg

    def test_an_item_that_refers_to_itself(self, tmp_path):
        msg = error(tmp_path, one_item("evidence: {types: [letter]}", "rules:",
                                       "  - {rule: after_item, item: dem_x}"))
        assert "in a circle: dem_x -> dem_x" in msg

    def test_an_id_with_the_wrong_prefix(self, tmp_path):
        assert error(tmp_path, one_item("evidence: {types: [letter]}", id="wal_x")) == (
            "demo.yaml, item 'wal_x': ids in this file start with dem_")

    def test_an_id_that_only_starts_with_the_prefix_letters(self, tmp_path):
        # "demo_x" starts with "dem" but not with "dem_".
        assert "ids in this file start with dem_" in error(
            tmp_path, one_item("evidence: {types: [letter]}", id="demo_x"))

    def test_a_bad_requirement(self, tmp_path):
        msg = error(tmp_path, one_item("evidence: {types: [letter]}", requirement="required"))
        assert msg.startswith("demo.yaml, item 'dem_x': requirement: ")

    @pytest.mark.parametrize("require", ["every_carer", "{count: two}", "{at_least: 2}"])
    def test_a_bad_require(self, tmp_path, require):
        msg = error(tmp_path, one_item("evidence: {types: [letter]}", f"require: {require}"))
        assert msg.startswith("demo.yaml, item 'dem_x': require: ")
        assert "each_carer" in msg  # the message lists what is allowed

    def test_applies_if_on_a_mandatory_item_is_an_error(self, tmp_path):
        msg = error(tmp_path, one_item("evidence: {types: [letter]}",
                                       "applies_if: {flags: [social_worker]}"))
        assert msg == "demo.yaml, item 'dem_x': applies_if: only conditional items take " \
                      "'applies_if'"

    def test_applies_if_on_a_conditional_item_is_fine(self, tmp_path):
        c = load(tmp_path, one_item("evidence: {types: [letter]}",
                                    "applies_if: {flags: [social_worker]}",
                                    requirement="conditional"))
        assert c.items[0].applies_if == {"flags": ["social_worker"]}

    def test_an_unknown_condition(self, tmp_path):
        msg = error(tmp_path, one_item("evidence: {types: [letter]}",
                                       "skip_if: {flag: [looked_after]}"))
        assert "skip_if: unknown condition 'flag'" in msg

    def test_an_unknown_selector_key(self, tmp_path):
        msg = error(tmp_path, one_item("evidence: {types: [letter], purpose: [warning]}"))
        assert msg.startswith("demo.yaml, item 'dem_x': evidence: ")
        assert "purpose" in msg

    def test_an_unknown_event_type(self, tmp_path):
        msg = error(tmp_path, one_item("evidence: {types: [sms]}"))
        assert msg.startswith("demo.yaml, item 'dem_x': evidence: ")

    def test_an_unknown_item_key(self, tmp_path):
        msg = error(tmp_path, one_item("evidence: {types: [letter]}", "mandatory: true"))
        assert msg.startswith("demo.yaml, item 'dem_x': ")
        assert "mandatory" in msg

    def test_a_filter_rule_without_an_evidence_selector(self, tmp_path):
        msg = error(tmp_path, one_item("rules:", "  - rule: in_window"))
        assert msg == "demo.yaml, item 'dem_x': rules: filter rules need an 'evidence' selector"

    def test_an_item_with_neither_evidence_nor_rules(self, tmp_path):
        assert "an item needs 'evidence' or at least one rule" in error(tmp_path, one_item())

    def test_an_item_without_an_id_is_named_by_its_position(self, tmp_path):
        body = GOOD_ITEMS + '  - number: "3"\n    wording: "x"\n    requirement: optional\n'
        assert error(tmp_path, body).startswith("demo.yaml, items[2]: ")


class TestFileErrors:
    def test_the_id_must_match_the_file_name(self, tmp_path):
        assert error(tmp_path, GOOD_ITEMS, name="other.yaml") == (
            "other.yaml: id 'demo' must match the file name")

    def test_invalid_yaml_names_the_file(self, tmp_path):
        assert error(tmp_path, "items: [\n").startswith("demo.yaml: not valid YAML")

    def test_a_missing_top_level_field(self, tmp_path):
        msg = error(tmp_path, GOOD_ITEMS, header=HEADER.replace('source: "Tests"\n', ""))
        assert msg.startswith("demo.yaml: ")
        assert "source" in msg

    def test_an_unknown_top_level_key(self, tmp_path):
        msg = error(tmp_path, GOOD_ITEMS + "colour: blue\n")
        assert msg.startswith("demo.yaml: ")
        assert "colour" in msg

    def test_a_recommended_order_naming_an_unknown_item(self, tmp_path):
        msg = error(tmp_path, "recommended_order: [dem_letter, dem_meeting]\n" + GOOD_ITEMS)
        assert msg == "demo.yaml: recommended_order names unknown item 'dem_meeting'"

    def test_an_unknown_parameter_is_an_error_not_a_silent_default(self, tmp_path):
        # A typo such as `window_school_week` would otherwise leave the checklist with no
        # evidence window at all, so that every old letter counted.
        msg = error(tmp_path, "parameters: {window_school_week: 12}\n" + GOOD_ITEMS)
        assert msg.startswith("demo.yaml: parameters: unknown parameter 'window_school_week' "
                              "(known: ")

    def test_a_parameter_of_the_wrong_type(self, tmp_path):
        msg = error(tmp_path, "parameters: {window_school_weeks: twelve}\n" + GOOD_ITEMS)
        assert msg == ("demo.yaml: parameters: window_school_weeks must be a whole number of "
                       "weeks, or null, not 'twelve'")

    def test_a_window_of_null_means_no_window(self, tmp_path):
        c = load(tmp_path, "parameters: {window_school_weeks: null}\n" + GOOD_ITEMS)
        assert c.param("window_school_weeks") is None

    def test_known_parameters_load(self, tmp_path):
        c = load(tmp_path, "parameters: {window_school_weeks: 12, referral_week_counts: false}\n"
                 + GOOD_ITEMS)
        assert (c.param("window_school_weeks"), c.param("referral_week_counts")) == (12, False)
        assert c.param("min_possible_sessions") == 20  # the default

    def test_a_file_with_no_items(self, tmp_path):
        assert error(tmp_path, "items: []\n").startswith("demo.yaml: items: ")


# ---- the shipped checklists ------------------------------------------------------------

SHIPPED = sorted(p.stem for p in checklist_dir().glob("*.yaml"))


def test_there_is_at_least_the_walsall_checklist():
    assert "walsall" in SHIPPED


@pytest.mark.parametrize("checklist_id", SHIPPED)
def test_every_shipped_checklist_loads(checklist_id):
    c = all_checklists()[checklist_id]
    assert c.id == checklist_id
    assert c.items
    if c.prefix:
        assert all(i.id.startswith(c.prefix + "_") for i in c.items)


@pytest.mark.parametrize("checklist_id", SHIPPED)
def test_every_shipped_checklist_has_a_csa_gate(checklist_id):
    """case-format.md: a gate item per checklist for compulsory school age."""
    c = all_checklists()[checklist_id]
    assert any(r.name == "csa" for i in c.items for r in i.rules), checklist_id


@pytest.mark.parametrize("checklist_id", SHIPPED)
def test_no_shipped_checklist_has_a_key_yaml_read_as_true_or_false(checklist_id):
    """style.md: quote `"on"`; PyYAML reads a bare `on` (or `yes`, `no`) as a boolean."""
    data = yaml.safe_load((checklist_dir() / f"{checklist_id}.yaml").read_text("utf-8"))

    def keys(node: Any) -> list[Any]:
        if isinstance(node, dict):
            return [*node, *(k for v in node.values() for k in keys(v))]
        if isinstance(node, list):
            return [k for v in node for k in keys(v)]
        return []

    assert not [k for k in keys(data) if isinstance(k, bool)]


class TestConditions:
    @pytest.mark.parametrize(("condition", "problem"), [
        ("{flags: [social_workr]}", "flags: unknown flag 'social_workr' (flags: social_worker"),
        ("{flags: social_worker}", "flags: must be a list of flags"),
        ("{send: [EHCP]}", "send: unknown SEND level 'EHCP'"),
        ("{register_codes: [I, MM]}", "register_codes: unknown code 'MM'"),
        ("{unresolved_n: yes please}", "unresolved_n: must be true or false, not 'yes please'"),
        ("{events: {types: [sms]}}", "events: types: 0: Must be one of"),
        ("{events: {typ: [letter]}}", "events: typ: Unknown field."),
        ("{passed_below: 92}", "passed_below: needs pct (a number)"),
        ("{passed_below: {pct: 92, inclusve: true}}", "passed_below: takes pct (a number)"),
    ])
    def test_a_condition_with_a_wrong_value_is_named(self, tmp_path, condition, problem):
        # A misspelt flag would otherwise make the condition quietly false for every pupil.
        msg = error(tmp_path, one_item("evidence: {types: [letter]}",
                                       f"applies_if: {condition}", requirement="conditional"))
        assert msg.startswith(f"demo.yaml, item 'dem_x': applies_if: {problem}")

    @pytest.mark.parametrize("condition", [
        "{flags: [social_worker, medical_needs], register_codes: [I, M]}",
        "{send: [ehcp, send_support]}",
        "{unresolved_n: true}",
        "{meeting_not_attended: true}",
        "{events: {types: [penalty_notice]}}",
        "{passed_below: {pct: 92, inclusive: true}}",
        "{passed_below: {pct: 80}}",
        "{attendance_return_due: true, sickness_return_due: false}",
        "{register_codes: [H]}",
    ])
    def test_good_conditions_load(self, tmp_path, condition):
        c = load(tmp_path, one_item("evidence: {types: [letter]}", f"skip_if: {condition}"))
        assert c.items[0].skip_if is not None

    @pytest.mark.parametrize("count", ["0", "-1", "true", "1.5"])
    def test_a_count_must_be_a_whole_number_from_one(self, tmp_path, count):
        msg = error(tmp_path, one_item("evidence: {types: [letter]}",
                                       f"require: {{count: {count}}}"))
        assert msg.startswith("demo.yaml, item 'dem_x': require: ")


# ---- issue 13: numbered letters and the new conditions are checked when loaded --------------

def _with_params(params: str) -> str:
    return HEADER + "parameters:\n" + textwrap.indent(textwrap.dedent(params), "  ")


def test_numbered_letters_must_name_items_of_the_file(tmp_path):
    header = _with_params("numbered_letters: [[dem_letter, dem_letter_9]]\n")
    assert "parameters name unknown item 'dem_letter_9'" in error(tmp_path, GOOD_ITEMS,
                                                                  header=header)
    header = _with_params("numbered_letters: [[dem_letter, dem_invite]]\n"
                          "letter_templates: {dem_invite: [meeting_invite]}\n")
    c = load(tmp_path, GOOD_ITEMS, header=header)
    assert c.param("numbered_letters") == [["dem_letter", "dem_invite"]]


def test_numbered_letters_must_be_lists_of_ids(tmp_path):
    header = _with_params("numbered_letters: dem_letter\n")
    assert "numbered_letters must be a list of lists of item ids" in error(
        tmp_path, GOOD_ITEMS, header=header)


@pytest.mark.parametrize(("condition", "message"), [
    ("skip_if: {never_below: {pct: 93}}", None),
    ("skip_if: {never_below: {percent: 93}}", "never_below: needs pct"),
    ("skip_if: {item_not_applicable: dem_nowhere}", "a condition names item 'dem_nowhere'"),
    ("skip_if: {refused_support: [early_help_assessment]}", None),
    ("skip_if: {refused_support: [early_help_assesment]}", "early_help_assesment"),
])
def test_the_new_conditions_are_checked(tmp_path, condition, message):
    body = one_item("evidence: {types: [letter]}", condition)
    if message is None:
        assert load(tmp_path, body).items[0].skip_if is not None
    else:
        assert message in error(tmp_path, body)
