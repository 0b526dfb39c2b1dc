"""Page numbers settle in passes that only count pages; each generated part is drawn once."""

from __future__ import annotations

from collections import Counter

from referral_builder.documents import _layout as L
from referral_builder.documents.chronology import chronology_part
from tests.builders import make_case, ready_case
from tests.documents.test_bundle import build
from tests.documents.test_bundle_sizes import many_events


def test_counting_pages_gives_the_page_count_of_the_drawn_part():
    case = make_case(events=many_events(300, 3, summary="Called the family about the "
                                        "week's absences and agreed a plan. " * 3))
    page_of = {d.id: 120 for d in case.documents}
    with L.measuring():
        counted = chronology_part(case, page_of)
    drawn = chronology_part(case, page_of)
    assert counted.pdf == b"" and drawn.pdf.startswith(b"%PDF")
    assert counted.page_count == drawn.page_count > 5


def count_renders(monkeypatch) -> tuple[Counter[str], Counter[str]]:
    """(drawn, counted): the render calls of each generated part, by its title."""
    drawn: Counter[str] = Counter()
    counted: Counter[str] = Counter()
    real = L.render

    def render(story, *, title, **kwargs):
        (counted if L._MEASURING.get() else drawn)[title.split(":")[0]] += 1
        return real(story, title=title, **kwargs)

    monkeypatch.setattr(L, "render", render)
    return drawn, counted


def test_each_generated_part_is_drawn_once(monkeypatch):
    drawn, counted = count_renders(monkeypatch)
    bundle, _files = build(make_case(events=many_events(120, 4)), draft=True)
    assert bundle.page_count > 10
    assert not any(s.key in ("letters", "evidence") for s in bundle.sections)
    assert drawn == {"Referral bundle WAL-2026-0042": 1, "Attendance certificate": 1,
                     "Index": 1, "Compliance": 1, "Chronology": 1}
    assert counted["Chronology"] >= 2  # a first count with no numbers, then a settled one


def test_each_documents_divider_is_drawn_once(monkeypatch):
    drawn, _counted = count_renders(monkeypatch)
    bundle, _files = build(ready_case())
    dividers = sum(s.key in ("letters", "evidence") for s in bundle.sections)
    assert dividers >= 1
    assert drawn == {"Referral bundle WAL-2026-0042": 1, "Attendance certificate": 1,
                     "Index": 1, "Compliance": 1, "Chronology": 1,
                     "Section dividers": dividers}
