"""Crashes the fuzzers found, kept as regression tests."""

from __future__ import annotations

import pytest

from referral_builder.documents.safety import UnsafeDocument, check_docx
from tests.documents.test_safety import plain_docx


# Found by tests/fuzz: zipfile raised ValueError("negative seek value") when bytes were
# missing before the first part, check_docx let it through, and the upload page answered 500.
# Fixed in documents/safety.py by the check that a DOCX starts with a zip entry.
@pytest.mark.parametrize("cut", [1, 2, 30])
def test_a_docx_missing_its_first_bytes_is_refused(cut: int) -> None:
    with pytest.raises(UnsafeDocument):
        check_docx(plain_docx()[cut:])


@pytest.mark.parametrize("section", ["school", "pupil"])
def test_a_null_school_or_pupil_is_refused_not_accepted_then_unreadable(section: str) -> None:
    """Found by tests/fuzz: `"school": null` was accepted, and the case written back (an
    empty school name, or a pupil with no name or date of birth) was then refused."""
    import datetime as dt

    from referral_builder.schemas.case import load_case

    from referral_builder.domain.errors import InvalidCase
    from referral_builder.services.demo import demo_case

    data = demo_case("WAL-2026-0001", dt.date(2026, 11, 20))
    data[section] = None
    with pytest.raises(InvalidCase) as caught:
        load_case(data)
    assert caught.value.path == section


def test_an_event_with_a_null_type_is_refused() -> None:
    """Found by `make fuzz`: `"type": null` was read as an event of no type, which was
    written back as `"type": ""` and then refused."""
    import datetime as dt

    from referral_builder.schemas.case import load_case

    from referral_builder.domain.errors import InvalidCase
    from referral_builder.services.demo import demo_case

    data = demo_case("WAL-2026-0001", dt.date(2026, 11, 20))
    data["events"][0]["type"] = None
    with pytest.raises(InvalidCase) as caught:
        load_case(data)
    assert caught.value.path == "events[0].type"


def test_a_mark_with_a_null_session_is_refused_not_dropped() -> None:
    """Seen while fixing the above: `"session": null` made the reader skip the mark without
    a word, so a register could lose marks on a round trip."""
    import datetime as dt

    from referral_builder.schemas.case import load_case

    from referral_builder.domain.errors import InvalidCase
    from referral_builder.services.demo import demo_case

    data = demo_case("WAL-2026-0001", dt.date(2026, 11, 20))
    data["register"]["marks"][0]["session"] = None
    with pytest.raises(InvalidCase) as caught:
        load_case(data)
    assert caught.value.path == "register.marks[0].session"
