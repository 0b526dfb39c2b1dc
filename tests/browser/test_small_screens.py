"""Every page with a table at 320 px in headless Chromium (issue 14.12): no table is clipped
or overflows its column, and none is squeezed into letter-by-letter columns.

Tables stack into labelled rows on small screens (as the chronology does). A table whose
columns come from the user's own file (the register columns page) may scroll sideways, but
only inside a labelled region that takes the keyboard focus and shows it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_journey import Journey, register_csv
from tests.browser.test_register_import import unknown_csv

pytestmark = pytest.mark.slow

LONG_SCHOOL = "The Blessed Saint Bartholomew Church of England Voluntary Aided Primary Academy"

#: For each table on the page: its cells that reach past their scrolling box or the window,
#: whether it scrolls sideways, whether that box is a focusable region, and the words broken
#: across two lines (a column squeezed letter by letter).
MEASURE = r"""() => {
  const vw = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main table')].map(table => {
    let box = null;
    for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
      if (getComputedStyle(el).overflowX !== 'visible') { box = el; break; }
    }
    const right = Math.min(vw, box ? box.getBoundingClientRect().right : vw);
    const cells = [...table.querySelectorAll('caption, th, td')].filter(c => {
      const head = c.closest('thead');
      return !(head && getComputedStyle(head).position === 'absolute') &&
             c.getBoundingClientRect().width > 1 && c.textContent.trim();
    });
    return {
      caption: (table.caption ? table.caption.textContent : '').trim(),
      clipped: cells.filter(c => c.getBoundingClientRect().right > right + 0.5 ||
                                 c.scrollWidth > c.clientWidth + 1)
                    .map(c => c.textContent.trim().slice(0, 30)),
      scrolls: !!box && box.scrollWidth > box.clientWidth + 1,
      focusable: !!box && box.tabIndex === 0 && box.getAttribute('role') === 'region' &&
                 !!(box.getAttribute('aria-label') || box.getAttribute('aria-labelledby')),
      broken: cells.flatMap(c => {
        const walker = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
        const found = [];
        for (let t = walker.nextNode(); t; t = walker.nextNode()) {
          for (const m of t.data.matchAll(/[^\s\u2010-]+/g)) {
            const r = document.createRange();
            r.setStart(t, m.index);
            r.setEnd(t, m.index + m[0].length);
            const lines = new Set([...r.getClientRects()].filter(q => q.width > 0)
                                   .map(q => Math.round(q.top)));
            if (lines.size > 1) found.push(m[0]);
          }
        }
        return found;
      }),
    };
  });
}"""


def tables_at_320(j: Journey, name: str, *, may_scroll: bool = False) -> list[dict]:  # type: ignore[type-arg]
    """Check the page (axe, screenshots at 1280 and 320 px), then measure its tables at 320 px
    at 641 px and 960 px (the narrowest widths at which tables, and wide tables, no longer
    stack) and at 769 px (the desktop layout)."""
    j.check(name)
    page = j.page
    measured = {}
    try:
        for width in (320, 641, 769, 960):
            page.set_viewport_size({"width": width, "height": 900})
            measured[width] = page.evaluate(MEASURE)
            if may_scroll and any(t["scrolls"] for t in measured[width]):
                # a scrolling region is reached by keyboard and shows where the focus is
                region = page.locator("[role=region][tabindex='0']").first
                region.focus()
                style = region.evaluate("e => getComputedStyle(e).outlineStyle")
                assert style != "none", (name, width, style)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    for width, tables in measured.items():
        assert tables, f"{name}: no table"
        for t in tables:
            where = (name, width, t)
            assert t["clipped"] == [] or (may_scroll and t["focusable"]), where
            assert not t["scrolls"] or (may_scroll and t["focusable"]), where
            assert t["broken"] == [], where  # no word split across lines
    return measured[320]  # type: ignore[no-any-return]


def _submit_demo_case(app) -> None:  # type: ignore[no-untyped-def]
    """The demo case as sent, from a school with a long name (as the LA dashboard lists it)."""
    from referral_builder.storage.models import CaseRecord, School, Submission

    with app.extensions["db"].writing() as s:
        record = s.get(CaseRecord, 1)
        s.get(School, record.school_id).name = LONG_SCHOOL
        record.status = "submitted"
        record.submitted_at = dt.datetime.now().replace(microsecond=0)
        s.add(Submission(case_id=1, action="submitted", user_id=1, name="Sam Patel",
                         pupil_name="Zoë Smith-Montgomery-Fairweather", ready=False,
                         outstanding=3, attendance_pct=81.5, report="{}"))


def test_every_table_page_at_320_px(live, browser) -> None:  # type: ignore[no-untyped-def]
    app, server = live
    today = dt.date.today()
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(8000)
    j = Journey(page, server)

    j.sign_in("dsl@school.example")
    j.go("/cases")
    tables_at_320(j, "small-cases")
    j.go("/cases/1/events")
    tables_at_320(j, "small-events")

    j.go("/cases/1/register")
    page.set_input_files("#csv_file", files=[{"name": "register.csv", "mimeType": "text/csv",
                                             "buffer": register_csv(today).encode()}])
    j.click("Upload and check")
    assert page.url.endswith("/register/preview")
    [last] = tables_at_320(j, "small-register-preview")
    assert last["caption"] == "The last 10 marks"

    j.go("/cases/1/register")
    page.set_input_files("#csv_file", files=[{"name": "export.csv", "mimeType": "text/csv",
                                             "buffer": unknown_csv(today)}])
    j.click("Upload and check")
    assert page.url.endswith("/register/columns")
    tables_at_320(j, "small-register-columns", may_scroll=True)
    j.sign_out()

    _submit_demo_case(app)
    j.sign_in("officer@walsall.example")
    j.go("/la/")
    [dashboard] = tables_at_320(j, "small-la-dashboard")
    assert dashboard["caption"] == "1 referral"
    page.set_viewport_size({"width": 320, "height": 900})
    labels = page.locator("main tbody tr").first.locator("td").evaluate_all(
        "tds => tds.map(t => getComputedStyle(t, '::before').content)")
    page.set_viewport_size({"width": 1280, "height": 900})
    # each stacked cell says what it is
    assert labels == [f'"{label}"' for label in ("Reference", "Pupil", "School", "Sent",
                                                 "Attendance", "Complete", "Status")]
    j.sign_out()

    j.sign_in("admin@example.com")
    j.go("/admin/audit")
    tables_at_320(j, "small-admin-audit", may_scroll=True)  # free text: it may scroll
    context.close()
