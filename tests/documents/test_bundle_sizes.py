"""Bundles of any size build and verify: the bench case, a 1,000-event case, random cases.

Before issue 10, an item with about ten evidence records made ReportLab raise LayoutError
(a compliance cell taller than the page), so a big case could not be bundled at all. These
tests build large cases every run; timings live in `make bench`, never here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from referral_builder.schemas.case import LoadedCase
from referral_builder.schemas.report import dump_report

from referral_builder.documents.bundle import REPORT_ATTACHMENT
from referral_builder.domain.model import EVENT_TYPES, Document, Event, Person
from referral_builder.services import checking
from referral_builder.services.bundling import assemble, verify_bundle
from tests.builders import D, make_case, simple_pdf

ROOT = Path(__file__).parents[2]
DRAFT_PROBLEM = "This is a draft bundle, made before the referral was ready."


def bundle_and_verify(case, files):  # type: ignore[no-untyped-def]
    loaded = LoadedCase(case)
    checklists, report = checking.check_case(loaded)
    bundle = assemble(loaded, report, checklists, draft=True,
                      open_document=lambda d: files[d.id])
    assert len(PdfReader(io.BytesIO(bundle.pdf)).pages) == bundle.page_count
    result = verify_bundle(bundle.pdf)
    problems = [p for p in result.problems if p != DRAFT_PROBLEM]
    assert problems == [], problems
    assert result.report is not None
    assert ({i.id: i.status for i in result.report.items}
            == {i.id: i.status for i in report.items})
    return bundle, report


def school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)
            if (start + dt.timedelta(days=n)).weekday() < 5]


def many_events(n: int, seed: int, *, name: str = "Sam Patel", summary: str = "",
                documents: tuple[str, ...] = ()) -> tuple[Event, ...]:
    """`n` events over the autumn term 2026: letters, calls, visits, meetings, notes."""
    rng = random.Random(seed)
    days = school_days(D(2026, 9, 3), D(2026, 11, 19))
    events = []
    for i in range(n):
        kind = EVENT_TYPES[i % len(EVENT_TYPES)]
        extra: dict[str, object] = {}
        if kind in ("letter", "email"):
            extra = {"to": ("c1", "c2"), "purposes": ("attendance_concern", "support")}
        elif kind in ("phone_call", "home_visit"):
            extra = {"with_": ("c1",)}
        docs = (documents[i % len(documents)],) if documents and i < 3 * len(documents) else ()
        events.append(Event(id=f"e{i}", type=kind, date=None if i % 97 == 96 else
                            rng.choice(days), by=Person(name, "DSL"),
                            summary=summary if i % 3 == 0 else f"Record {i}",
                            documents=docs, **extra))  # type: ignore[arg-type]
    return tuple(events)


def test_a_thousand_event_case_bundles_and_verifies():
    docs = tuple(Document(f"d{n}", f"evidence/d{n}.pdf", f"Evidence {n}") for n in range(10))
    case = make_case(events=many_events(1000, 1, documents=tuple(d.id for d in docs)),
                     documents=docs)
    files = {d.id: simple_pdf(2, d.title) for d in docs}
    bundle, report = bundle_and_verify(case, files)
    # The chronology lists every event, so it runs over many pages.
    chronology = next(s for s in bundle.sections if s.key == "chronology")
    assert chronology.last_page - chronology.first_page > 20
    assert max(len(i.evidence) for i in report.items) > 12


def test_the_bench_case_bundles_and_verifies(tmp_path):
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]
    try:
        bench_bundle = importlib.import_module("bench_bundle")
    finally:
        del sys.path[:2]
    case = bench_bundle.bench_case(tmp_path)
    files = {d.id: (tmp_path / d.file).read_bytes() for d in case.documents}
    bundle, _ = bundle_and_verify(case, files)
    assert bundle.page_count > 350


unicode_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                       max_size=400)


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(events=st.integers(0, 2000), documents=st.integers(0, 50), seed=st.integers(0, 99),
       name=unicode_text, summary=st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                                          max_size=1500),
       title=unicode_text)
@example(events=2000, documents=50, seed=1, name="Łukasz Wŵ Jöns " * 25,
         summary="Cyfarfod â’r teulu ŵ; 會議 " * 8, title="Llythyr Łódź " * 30)
def test_any_case_bundles_and_verifies(events, documents, seed, name, summary, title):
    docs = tuple(Document(f"d{n}", f"evidence/d{n}.pdf", f"{title} {n}")
                 for n in range(documents))
    case = make_case(events=many_events(events, seed, name=name, summary=summary,
                                        documents=tuple(d.id for d in docs)),
                     documents=docs)
    case = replace(case, pupil=replace(case.pupil, first_name=name[:200]))
    page = simple_pdf(1, "Evidence")
    bundle_and_verify(case, dict.fromkeys((d.id for d in docs), page))


def test_the_bundle_embeds_the_report_check_prints(tmp_path):
    """One verdict: the bundle's check-report.json is `check --format json` for the case,
    loader warnings included (the bundle used to re-run the engine and drop them)."""
    case_dir = tmp_path / "case"
    src = ROOT / "examples" / "walsall-incomplete"
    subprocess.run(["cp", "-r", str(src), str(case_dir)], check=True)
    data = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
    data["events"].append({"id": "undated", "type": "note", "date": None,
                           "summary": "A note"})  # warns
    (case_dir / "case.json").write_text(json.dumps(data), encoding="utf-8")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "referral_builder.cli", *args],
                              capture_output=True, text=True, encoding="utf-8", check=False)

    checked = cli("check", "--format", "json", str(case_dir / "case.json"))
    assert checked.returncode == 1, checked.stderr
    out = tmp_path / "bundle.pdf"
    built = cli("bundle", "--draft", str(case_dir / "case.json"), "-o", str(out))
    assert built.returncode == 0, built.stderr
    reader = PdfReader(out)
    embedded = json.loads(reader.attachments[REPORT_ATTACHMENT][0])
    expected = json.loads(checked.stdout)
    assert any("has no date" in w for w in expected["warnings"])
    assert embedded == expected


def test_the_embedded_report_is_the_one_given():
    case = make_case()
    loaded = LoadedCase(case, ["documents[0].file: note"])
    checklists, report = checking.check_case(loaded)
    bundle = assemble(loaded, report, checklists, draft=True, open_document=lambda d: b"")
    embedded = json.loads(PdfReader(io.BytesIO(bundle.pdf)).attachments[REPORT_ATTACHMENT][0])
    assert embedded == dump_report(report)
    assert embedded["warnings"][0] == "documents[0].file: note"


def test_no_heading_is_left_alone_at_the_foot_of_a_page():
    """A heading with room for itself but not for its table starts the next page."""
    from reportlab.platypus import Spacer

    from referral_builder.documents import _layout as L

    st_ = L.styles()
    frame = L.PORTRAIT[1] - 2 * L.MARGIN - L.FOOTER_ROOM
    rows = [[L.para("Date", st_["cellb"]), L.para("What happened", st_["cellb"])]]
    rows += [[L.para(f"{n} Sep 2026", st_["cell"]), L.para("Phone call to Mrs Nowak " * 6,
                                                          st_["cell"])] for n in range(60)]
    story = [Spacer(1, frame - 30), *L.heading("Walsall checklist", st_["h2"]),
             L.table(rows, [40, 400])]
    reader = PdfReader(io.BytesIO(L.render(story, title="t").pdf))
    assert "Walsall checklist" not in reader.pages[0].extract_text()
    assert "Walsall checklist" in reader.pages[1].extract_text()


def test_the_attachments_are_compressed():
    case = make_case(events=many_events(300, 2))
    loaded = LoadedCase(case)
    checklists, report = checking.check_case(loaded)
    bundle = assemble(loaded, report, checklists, draft=True, open_document=lambda d: b"")
    reader = PdfReader(io.BytesIO(bundle.pdf))
    for spec in reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"][1::2]:
        stream = spec.get_object()["/EF"]["/F"].get_object()
        assert stream.get("/Filter") == "/FlateDecode"
    case_json = reader.attachments["case.json"][0]
    assert json.loads(case_json)["reference"] == case.reference
