"""Issue 14.11 words and 14.7 dates: pages show people's words, never internal values."""

from __future__ import annotations

import html as H
import re

import pytest

from referral_builder.web.filters import plain
from tests.web.conftest import Client

DSL = "dsl@school.example"


@pytest.fixture
def dsl(client: Client) -> Client:
    client.sign_in(DSL)
    return client


def main_text(html: str) -> str:
    body = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", H.unescape(re.sub(r"<script.*?</script>|<[^>]+>", " ", body,
                                                  flags=re.S)))


def test_engine_sentences_read_as_english() -> None:
    assert plain("the letter of 13 Oct 2026 (e3) is addressed jointly to Jane Smith (mother)") == (
        "The letter of 13 October 2026 is addressed jointly to Jane Smith (mother)")
    assert plain("to Jane Smith (mother); model letter: meeting_invite") == (
        "To Jane Smith (mother); model letter: meeting invite")
    assert plain("Only 0 possible sessions") == "No possible sessions"
    assert plain("it is 1 school days after the letter; 21 school days") == (
        "It is 1 school day after the letter; 21 school days")
    assert plain("Item 3 (stage_1_letter): Jane Smith (c1) is not required") == (
        "Item 3: Jane Smith is not required")
    assert plain("only 0 of its 5 school days have run") == "None of its 5 school days have run"


def test_the_evidence_page_shows_no_event_ids_or_short_dates(dsl: Client) -> None:
    html = dsl.get("/cases/1/evidence").get_data(as_text=True)
    text = main_text(html)
    assert not re.search(r"\(e\d+\)", text)
    assert not re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}", text)
    assert "Met by the letter of" in text  # the demo's item 1 names its letter
    items = [main_text(li).strip() for li in re.findall(r"<li>(.*?)</li>", html, flags=re.S)]
    assert items and all(i[:1].isupper() or not i[:1].isalpha() for i in items), items


def test_the_task_list_shows_no_template_ids(dsl: Client) -> None:
    text = main_text(dsl.get("/cases/1").get_data(as_text=True))
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)


@pytest.mark.parametrize("kind", ["letter", "review"])
def test_drop_downs_name_events_by_long_date(dsl: Client, kind: str) -> None:
    html = dsl.get(f"/cases/1/events/new/{kind}").get_data(as_text=True)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", html)
    assert any(re.fullmatch(r"Meeting on \d{1,2} [A-Z][a-z]+ \d{4}.*", o) for o in options)
    assert not any(re.search(r"\d{4}-\d\d-\d\d", o) for o in options), options


# ---- 14.7 letters and dates -----------------------------------------------------------------

def _template_options(html: str) -> list[str]:
    return re.findall(r'name="template" type="radio" value="([^"]+)"', html)


def test_the_letter_page_offers_only_the_case_authoritys_letters(dsl: Client) -> None:
    offered = _template_options(dsl.get("/cases/1/letters").get_data(as_text=True))  # Walsall
    assert "attendance_concern" in offered and "meeting_invite" in offered
    assert not [t for t in offered if t.startswith(("east_sussex", "stockport"))], offered


def test_another_authoritys_letter_is_refused(dsl: Client) -> None:
    page = dsl.get("/cases/1/letters").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    r = dsl.post("/cases/1/letters", {"version": version.group(1) if version else "1",
                                      "template": "east_sussex_letter_1", "carer": "c1"})
    assert r.status_code == 200 and "East Sussex Letter 1" not in main_text(
        r.get_data(as_text=True)).split("There is a problem")[0]
    assert "govuk-error-summary" in r.get_data(as_text=True)


def test_a_school_override_of_another_authoritys_letter_is_offered() -> None:
    from referral_builder.documents.letters import list_templates
    from referral_builder.web.letters import offered

    class View:
        checklists = (type("C", (), {"id": "walsall", "aliases": ()})(),)

    templates = [t for t in list_templates() if t.id.startswith("east_sussex")]
    assert offered(View(), templates) == []  # type: ignore[arg-type]
    import dataclasses
    own = [dataclasses.replace(t, overridden=True) for t in templates]
    assert offered(View(), own) == own  # type: ignore[arg-type]


def test_the_remove_page_and_next_step_use_the_long_date(dsl: Client) -> None:
    text = main_text(dsl.get("/cases/1/events/e1/remove").get_data(as_text=True))
    assert re.search(r"remove the letter on \d{1,2} [A-Z][a-z]+ \d{4}\?", text), text[:200]
    task_list = main_text(dsl.get("/cases/1").get_data(as_text=True))
    assert not re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}",
                         task_list)


# ---- 14.6 the tick counts where it was made ------------------------------------------------

def test_the_tick_at_the_start_meets_the_tick_box_item_at_once(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    import json

    from referral_builder.storage.models import CaseRecord

    dsl.post("/cases/new", {"authority": "walsall"})
    dsl.post("/cases/new/walsall/requirements", {"confirm": "y"})
    r = dsl.post("/cases/new/walsall/pupil", {
        "first_name": "Ruby", "last_name": "Jones", "date_of_birth": ["14", "3", "2016"],
        "year_group": "Year 5", "address": "3 Oak Street"})
    case_id = int(r.headers["Location"].split("/")[2])
    with app.extensions["db"].session() as s:
        declaration = json.loads(s.get(CaseRecord, case_id).data)["declaration"]
    assert declaration["confirmed"] is True
    assert (declaration["name"], declaration["role"]) == ("Sam Patel",
                                                          "Designated safeguarding lead")
    evidence = dsl.get(f"/cases/{case_id}/evidence").get_data(as_text=True)
    card = evidence.split(">Tick-box.", 1)[1].split("</div>", 2)[0]
    assert "Met" in card
    assert "Confirmed by Sam Patel (Designated safeguarding lead) on " in main_text(evidence)


def test_the_requirements_page_numbers_items_as_the_evidence_check_does(dsl: Client) -> None:
    html = dsl.get("/cases/new/walsall/requirements").get_data(as_text=True)
    keys = re.findall(r'<dt class="govuk-summary-list__key">\s*([^<]+?)\s*</dt>',
                      html.split('id="requirements"', 1)[1])
    assert keys[:4] == ["Gate", "Window", "Tick-box", "1"] and keys[-1] == "10", keys


# ---- 14.12 small screens -------------------------------------------------------------------

def test_the_carer_cards_show_email_and_phone(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    import json

    from referral_builder.storage.models import CaseRecord

    with app.extensions["db"].session() as s:
        record = s.get(CaseRecord, 1)
        data = json.loads(record.data)
        data["carers"][0].update(email="jane.smith@example.com", phone="07700 900123")
        record.data = json.dumps(data)
        s.commit()
    text = main_text(dsl.get("/cases/1/carers").get_data(as_text=True))
    assert "Email jane.smith@example.com" in text and "Phone 07700 900123" in text
    assert "Email Not given" in text  # the second carer has none


def test_action_links_never_break_inside_a_word() -> None:
    from pathlib import Path

    import referral_builder.web

    css = (Path(referral_builder.web.__file__).parent / "static" / "app.css").read_text()
    rule = css.split(".govuk-summary-list__actions a", 1)[1].split("}", 1)[0]
    assert ".govuk-table__cell a" in rule and "word-break: keep-all" in rule
    assert "overflow-wrap: normal" in rule


def test_the_chronology_stacks_its_rows_on_a_small_screen(dsl: Client) -> None:
    html = dsl.get("/cases/1/events").get_data(as_text=True)
    assert 'class="govuk-table app-table--stack"' in html
    for label in ("Date", "What", "Documents"):
        assert f'data-label="{label}"' in html
