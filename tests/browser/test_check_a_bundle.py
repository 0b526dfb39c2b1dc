"""An LA officer checks three bundles in headless Chromium (issue 14.10): a genuine and
complete one (the green panel), a draft (genuine but not ready: a banner and the items not
met) and one with a changed page (altered or damaged: the red banner naming the page), each
page checked with axe-core and screenshotted at 1280 and 320 px."""

from __future__ import annotations

import io

import pytest

from tests.browser.test_journey import Journey

pytestmark = pytest.mark.slow


def bundles() -> dict[str, bytes]:
    from pypdf import PdfReader, PdfWriter

    from tests.builders import make_case, ready_case, simple_pdf
    from tests.documents.test_bundle import evidence_files, make_bundle

    case = ready_case()
    files = evidence_files(case)
    genuine = make_bundle(case, open_document=lambda d: files[d.id]).pdf
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    writer.pages[3].merge_page(PdfReader(io.BytesIO(simple_pdf(1, "Forged"))).pages[0])
    altered = io.BytesIO()
    writer.write(altered)
    draft = make_bundle(make_case(), open_document=lambda d: b"", draft=True).pdf
    return {"genuine": genuine, "draft": draft, "altered": altered.getvalue()}


def test_the_three_answers_of_check_a_bundle(server, browser) -> None:  # type: ignore[no-untyped-def]
    made = bundles()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(8000)
    j = Journey(page, server)
    j.sign_in("officer@walsall.example")

    def check(name: str) -> None:
        j.go("/la/check-a-bundle")
        page.set_input_files("#bundle", files=[{"name": f"{name}.pdf",
                                                "mimeType": "application/pdf",
                                                "buffer": made[name]}])
        j.click("Check the bundle", f"la-verify-{name}")

    def border(locator) -> str:  # type: ignore[no-untyped-def]
        return str(locator.evaluate("e => getComputedStyle(e).borderTopColor"))

    def colour(css_class: str, prop: str) -> str:
        """The design system's colour: a property of a fresh element with that class."""
        return str(page.evaluate("""([c, p]) => { const e = document.createElement('p');
            e.className = c; document.body.append(e); const v = getComputedStyle(e)[p];
            e.remove(); return v; }""", [css_class, prop]))

    check("genuine")
    panel = page.locator(".govuk-panel--confirmation#verify-result")
    assert panel.is_visible()
    assert panel.locator("h2").inner_text() == "Genuine and complete"
    assert page.locator(".govuk-notification-banner").count() == 0

    check("draft")
    assert page.locator(".govuk-panel").count() == 0
    banner = page.locator(".govuk-notification-banner#verify-result")
    assert "Genuine but not ready" in banner.inner_text()
    assert border(banner) == colour("govuk-notification-banner", "borderTopColor")  # blue
    items = page.locator("#verify-outstanding > li")
    assert items.count() > 0
    assert items.first.inner_text().startswith("Item ")

    check("altered")
    assert page.locator(".govuk-panel").count() == 0
    banner = page.locator(".govuk-notification-banner#verify-result")
    assert banner.get_attribute("role") == "alert"
    assert "Altered or damaged" in banner.inner_text()
    assert "Page 4 (" in page.locator("#verify-problems").inner_text()
    assert border(banner) == colour("govuk-error-message", "color")  # the error red
    page.close()
