"""Issue 14.10: "Check a bundle" gives one of three answers, each in its GOV.UK pattern.

A genuine and complete bundle gets the green confirmation panel; a genuine bundle that is not
ready (a draft) gets a notification banner and the outstanding items; an altered bundle gets
the red banner naming the page that changed, and never the panel.
"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader, PdfWriter

from tests.builders import make_case, ready_case, simple_pdf
from tests.documents.test_bundle import evidence_files, make_bundle
from tests.web.conftest import Client


@pytest.fixture(scope="module")
def genuine() -> bytes:
    case = ready_case()
    files = evidence_files(case)
    return make_bundle(case, open_document=lambda d: files[d.id]).pdf


def check(client: Client, pdf: bytes) -> str:
    client.sign_in("officer@walsall.example")
    r = client.post("/la/check-a-bundle", {"bundle": (io.BytesIO(pdf), "bundle.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def result(html: str) -> str:
    """The text of the result, from the panel or banner to the "Check another bundle" form."""
    start = html.index(">", html.index('id="verify-result"')) + 1
    text = re.sub(r"<[^>]+>", " ", html[start:html.index("Check another bundle")])
    return " ".join(text.split())


def test_a_genuine_complete_bundle_gets_the_success_panel(client: Client, genuine: bytes) -> None:
    html = check(client, genuine)
    assert 'class="govuk-panel govuk-panel--confirmation" id="verify-result"' in html
    assert "govuk-notification-banner" not in html
    text = result(html)
    assert text.startswith("Genuine and complete Referral WAL-2026-0042 ")
    assert re.search(r"\d+ pages, each as the service made it\. Every item is met", text)
    assert "Outstanding item" not in html


def test_a_draft_is_genuine_but_not_ready_and_lists_the_items(client: Client) -> None:
    draft = make_bundle(make_case(), open_document=lambda d: b"", draft=True).pdf
    html = check(client, draft)
    assert "govuk-panel" not in html
    banner = html[html.index('id="verify-result"') - 200:html.index('id="verify-result"')]
    assert 'class="govuk-notification-banner"' in banner  # the blue one, not success or error
    text = result(html)
    assert "Genuine but not ready" in text
    assert "it is a draft bundle, made before the referral was ready" in text
    m = re.search(r"(\d+) of (\d+) items (is|are) not met", text)
    assert m and (m.group(3) == "is") == (m.group(1) == "1"), text
    items = html[html.index('id="verify-outstanding"'):]
    assert items.count("<strong>Item ") == int(m.group(1))
    assert "<strong>Item 2.</strong>" in items  # the written invitation, by its number
    assert "wal_meeting_invite_written" not in html  # no internal ids


def test_an_altered_bundle_names_the_page_in_the_error_banner(client: Client,
                                                              genuine: bytes) -> None:
    reader = PdfReader(io.BytesIO(genuine))
    writer = PdfWriter(clone_from=reader)
    writer.pages[3].merge_page(PdfReader(io.BytesIO(simple_pdf(1, "Forged"))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    html = check(client, out.getvalue())
    assert "govuk-panel" not in html
    banner = html[html.index('id="verify-result"') - 300:html.index('id="verify-result"')]
    assert "app-notification-banner--error" in banner and 'role="alert"' in banner
    text = result(html)
    assert "Altered or damaged" in text and "Genuine" not in text
    assert re.search(r"Page 4 \(.+\) is missing or changed since the bundle was made", text)


def test_the_outcome_rule() -> None:
    from types import SimpleNamespace as NS

    from referral_builder.web.filters import DRAFT_PROBLEM, verify_outcome

    ready, not_ready = NS(ready=True), NS(ready=False)
    assert verify_outcome(NS(complete=True, problems=(), report=ready)) == "complete"
    assert verify_outcome(NS(complete=False, problems=(), report=not_ready)) == "not_ready"
    assert verify_outcome(NS(complete=False, problems=(DRAFT_PROBLEM,),
                             report=not_ready)) == "not_ready"
    assert verify_outcome(NS(complete=False, problems=(DRAFT_PROBLEM, "Page 3 (x) is missing"),
                             report=not_ready)) == "altered"
    assert verify_outcome(NS(complete=False, problems=(), report=None)) == "altered"
