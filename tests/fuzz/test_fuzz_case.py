"""Fuzzing the case-file reader: any JSON-like value makes `load_case` either return a case
or raise InvalidCase, never another exception; every valid case survives dump then load."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st
from referral_builder.schemas.case import EVENT_KEYS, dump_case, load_case, load_case_file

from referral_builder.domain.errors import InvalidCase
from referral_builder.domain.model import (
    AGENCIES,
    DIRECTIONS,
    EVENT_TYPES,
    FLAG_NAMES,
    LETTER_PURPOSES,
    MEDICAL_WITH,
    MEETING_KINDS,
    MEETING_STATUSES,
    NOTICE_STATUSES,
    SEND_LEVELS,
    SUPPORT_OUTCOMES,
    SUPPORTS,
)
from referral_builder.services.demo import demo_case
from tests.fuzz.profile import count, fuzz_settings
from tests.unit.test_register_import import registers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
           | st.sampled_from(["2026-09-07", "AM", "PM", "/", "c1", "e1", "d1", "letter",
                              "meeting", "referral-case/1", "walsall", "25:99", "09:30"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                           | st.dictionaries(st.text(max_size=12) | st.sampled_from(
                               [*EVENT_KEYS, "format", "events", "carers", "marks", "pupil"]),
                               inner, max_size=5), max_leaves=30)
# Finite values only where a valid case keeps them (NaN != NaN would spoil equality).
json_finite = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3), max_leaves=10)


def check(value: Any) -> None:
    try:
        loaded = load_case(value)
    except InvalidCase as exc:
        assert exc.path is not None and str(exc)
        return
    # Whatever is accepted must also round-trip.
    again = load_case(json.loads(json.dumps(dump_case(loaded.case)))).case
    assert again == loaded.case


@fuzz_settings
@given(json_values)
def test_any_json_value(value: Any) -> None:
    count("case: any JSON value")
    check(value)


def base_cases() -> list[dict[str, Any]]:
    ready = dump_case(load_case_file(EXAMPLES / "walsall-ready" / "case.json").case)
    return [demo_case("WAL-2026-0001", dt.date(2026, 11, 20)), ready]


BASES = base_cases()


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for n, v in enumerate(value[:6]):
            out += paths(v, (*prefix, n))
    return out


@fuzz_settings
@given(st.sampled_from(range(len(BASES))), st.data())
def test_a_valid_case_with_parts_replaced(which: int, data: st.DataObject) -> None:
    """Start from a valid case and replace, delete or add a few parts anywhere in it."""
    count("case: mutated valid case")
    case = copy.deepcopy(BASES[which])
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths(case)))
        if not path:
            continue
        parent = case
        for key in path[:-1]:
            parent = parent[key]
        how = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if how == "delete":
            del parent[path[-1]]
        elif how == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=10) | st.sampled_from(EVENT_KEYS))] = \
                data.draw(json_values)
        elif how == "add" and isinstance(parent, list):
            parent.append(data.draw(json_values))
        else:
            parent[path[-1]] = data.draw(json_values)
    check(case)


# ---- valid cases ------------------------------------------------------------------------

ids = st.from_regex(r"[a-z][a-z0-9_-]{0,6}", fullmatch=True)
text = st.text(max_size=20)
filled = st.text(min_size=1, max_size=20).filter(str.strip)
iso = st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
times = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")


def subset(draw: st.DrawFn, items: list[str] | tuple[str, ...]) -> list[str]:
    return draw(st.lists(st.sampled_from(items), max_size=3)) if items else []


@st.composite
def events(draw: st.DrawFn, carers: list[str], documents: list[str]) -> list[dict[str, Any]]:
    event_ids = draw(st.lists(ids, unique=True, max_size=8))
    types = [draw(st.sampled_from(EVENT_TYPES)) for _ in event_ids]
    meetings = [i for i, t in zip(event_ids, types, strict=True) if t == "meeting"]
    out = []
    for event_id, type_ in zip(event_ids, types, strict=True):
        e: dict[str, Any] = {"id": event_id, "type": type_,
                             "date": draw(st.none() | iso)}
        optional: dict[str, st.SearchStrategy[Any]] = {
            "time": times, "by": st.fixed_dictionaries({"name": text, "role": text}),
            "to": st.just(subset(draw, carers)), "summary": text,
            "documents": st.just(subset(draw, documents)),
            "purposes": st.lists(st.sampled_from(LETTER_PURPOSES), max_size=3),
            "states_attendance_pct": st.integers(0, 100) | st.floats(0, 100),
            "encloses": st.lists(text, max_size=2),
            "direction": st.sampled_from(DIRECTIONS),
            "kind": st.sampled_from(MEETING_KINDS),
            "attended": st.just(subset(draw, carers)),
            "plan_agreed": st.booleans(), "agency": st.sampled_from(AGENCIES),
            "support": st.sampled_from(SUPPORTS), "service": text,
            "internal": st.booleans(), "consent_requested": st.booleans(),
            "improved": st.booleans(), "of": st.sampled_from(event_ids),
        }
        if meetings:
            optional["meeting"] = st.sampled_from(meetings)
        optional["with"] = (st.lists(st.sampled_from(MEDICAL_WITH), max_size=2)
                            if type_ == "medical_inquiry"
                            else st.just(subset(draw, carers))
                            if type_ in ("phone_call", "home_visit")
                            else st.lists(text, max_size=2))
        optional["outcome"] = (st.sampled_from(SUPPORT_OUTCOMES) if type_ == "support_offer"
                               else text)
        optional["status"] = (st.sampled_from(MEETING_STATUSES) if type_ == "meeting" else
                              st.sampled_from(NOTICE_STATUSES)
                              if type_ in ("notice_to_improve", "penalty_notice") else text)
        for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=8)):
            e[key] = draw(optional[key])
        extra = draw(st.dictionaries(st.text(min_size=1, max_size=8).filter(
            lambda k: k not in EVENT_KEYS), json_finite, max_size=2))
        e.update(extra)
        out.append(e)
    return out


@st.composite
def valid_cases(draw: st.DrawFn) -> dict[str, Any]:
    carers = draw(st.lists(st.fixed_dictionaries({
        "id": ids, "name": filled, "relationship": text,
        "parental_responsibility": st.booleans(), "day_to_day_care": st.booleans(),
        "address": text, "email": text, "phone": text,
        "contact_restriction": st.none() | text}), unique_by=lambda c: c["id"], max_size=4))
    documents = draw(st.lists(st.fixed_dictionaries({
        "id": ids, "file": ids.map(lambda i: f"evidence/{i}.pdf"), "title": text}),
        unique_by=lambda d: d["id"], max_size=4))
    marks = draw(st.none() | registers())
    case: dict[str, Any] = {
        "format": "referral-case/1", "reference": filled, "authority": filled,
        "referral_date": draw(iso),
        "school": {"name": draw(filled), "urn": draw(text), "local_authority": draw(text),
                   "head_teacher": draw(text), "address": draw(text)},
        "pupil": {"first_name": draw(filled), "last_name": draw(filled),
                  "date_of_birth": draw(iso), "upn": draw(text), "year_group": draw(text),
                  "address": draw(text), "admission_date": draw(st.none() | iso),
                  "flags": {**{f: draw(st.booleans()) for f in FLAG_NAMES},
                            "send": draw(st.sampled_from(SEND_LEVELS))}},
        "carers": carers,
        "register": {"marks": [{"date": m.date.isoformat(), "session": m.session,
                                "code": m.code} for m in marks or []]},
        "events": draw(events([c["id"] for c in carers], [d["id"] for d in documents])),
        "documents": documents,
        "not_applicable": draw(st.dictionaries(text, filled, max_size=2)),
        "free_text": draw(st.dictionaries(text, filled, max_size=2)),
        "declaration": {"confirmed": draw(st.booleans()), "name": draw(text),
                        "role": draw(text),
                        "at": draw(st.none() | st.datetimes().map(dt.datetime.isoformat))},
    }
    case["reference"], case["authority"] = draw(filled), draw(filled)
    if draw(st.booleans()):
        case["school_process"] = draw(filled)
    return case


@fuzz_settings
@given(valid_cases())
def test_a_valid_case_loads_and_round_trips(data: dict[str, Any]) -> None:
    count("case: valid case round trip")
    try:
        case = load_case(data).case
    except InvalidCase as exc:  # the generator must only make valid cases
        raise AssertionError(f"generated case refused: {exc.problems}") from None  # type: ignore[attr-defined]
    dumped = json.loads(json.dumps(dump_case(case)))
    assert load_case(dumped).case == case
    assert dump_case(load_case(dumped).case) == dumped


@fuzz_settings
@given(valid_cases(), st.sampled_from(["events", "carers", "documents"]), json_values)
def test_a_valid_case_with_a_bad_item_added(data: dict[str, Any], section: str,
                                            item: Any) -> None:
    count("case: valid case plus a bad item")
    assume(item is not None)
    data[section].append(item)
    check(data)
