"""The whole journey in headless Chromium, with axe-core on every page and screenshots.

A DSL signs in, creates a case, adds a carer, uploads a register, records events, writes a
letter, watches the evidence items turn met, declares, builds and downloads the bundle and
sends it; the LA officer signs in, checks it and returns it; the school sees the reason.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from referral_builder.accounts import totp
from referral_builder.services.demo import PASSWORD
from tests.browser.conftest import AXE, SHOTS

pytestmark = pytest.mark.slow


class Journey:
    def __init__(self, page, base: str) -> None:  # type: ignore[no-untyped-def]
        self.page, self.base, self.checked = page, base, []
        self.secrets: dict[str, str] = {}
        self.checked_codes = False
        self.steps: dict[str, int] = {}

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.check()

    def check(self, name: str | None = None) -> None:
        """Run axe-core on the page; take screenshots at 1280 and 320 px when named."""
        page = self.page
        # evaluate() is not subject to the page's CSP, so the CSP stays on for the journey.
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a',
                'wcag21aa', 'wcag22aa', 'best-practice']});
            return r.violations.map(v => v.id + ': ' + v.help + ' ' +
                v.nodes.map(n => n.target.join(' ')).join(', '));
        }""")
        assert result == [], f"{page.url}: {result}"
        self.checked.append(page.url)
        if name:
            SHOTS.mkdir(parents=True, exist_ok=True)
            for width in (1280, 320):
                page.set_viewport_size({"width": width, "height": 900})
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth > document.documentElement.clientWidth"
                )
                page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
                assert not overflow, f"{name} overflows at {width}px"
            page.set_viewport_size({"width": 1280, "height": 900})

    def click(self, text: str, name: str | None = None) -> None:
        self.page.get_by_role("button", name=text).first.click()
        self.page.wait_for_load_state()
        self.check(name)

    def link(self, text: str, name: str | None = None) -> None:
        self.page.get_by_role("link", name=text).first.click()
        self.page.wait_for_load_state()
        self.check(name)

    def fill(self, label: str, value: str) -> None:
        self.page.get_by_label(label, exact=True).fill(value)

    def date(self, prefix: str, d: dt.date) -> None:
        self.page.fill(f"#{prefix}-day", str(d.day))
        self.page.fill(f"#{prefix}-month", str(d.month))
        self.page.fill(f"#{prefix}-year", str(d.year))

    def choose(self, label: str) -> None:
        self.page.get_by_label(label, exact=True).check()

    def sign_in(self, email: str) -> None:
        self.go("/sign-in")
        self.fill("Email address", email)
        self.fill("Password", PASSWORD)
        self.click("Sign in")
        first = email not in self.secrets
        if first:  # first sign-in: set up the authenticator app
            self.check("set-up-second-factor" if not self.secrets else None)
            key = self.page.locator("#totp-secret").inner_text()
            self.secrets[email] = key.replace(" ", "")
        step = max(totp.current_step(), self.steps.get(email, -1) + 1)  # never a replay
        self.steps[email] = step
        self.fill("Code from your authenticator app", totp.code_at(self.secrets[email], step))
        self.click("Continue", "recovery-codes" if first and not self.checked_codes else None)
        if first:  # the recovery codes, shown this once
            assert self.page.locator("#recovery-codes li").count() == 10
            self.checked_codes = True
            self.click("I have saved my codes")

    def sign_out(self) -> None:
        self.click("Sign out")

    def todo(self) -> int:
        self.go(f"/cases/{self.case_id}/evidence")
        text = self.page.locator("#todo-count").inner_text()
        m = re.match(r"(\d+) of", text)
        return int(m.group(1)) if m else 0


def weekday_before(d: dt.date, days: int) -> dt.date:
    d -= dt.timedelta(days=days)
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


def register_csv(today: dt.date) -> str:
    start = dt.date(today.year if today.month >= 9 else today.year - 1, 9, 3)
    rows, d, n = ["Date,AM,PM"], start, 0
    while d <= today:
        if d.weekday() < 5:
            n += 1
            rows.append(
                f"{d:%d/%m/%Y},{'O' if n % 4 == 0 else '/'},{'O' if n % 4 == 0 else chr(92)}"
            )
        d += dt.timedelta(days=1)
    return "\n".join(rows) + "\n"


def add_event(
    j: Journey,
    kind: str,
    when: dt.date,
    *,
    tick: tuple[str, ...] = (),
    fill: dict[str, str] | None = None,
    select: dict[str, str] | None = None,
) -> None:
    j.go(f"/cases/{j.case_id}/events/new")
    j.choose(kind)
    j.click("Continue")
    j.date("date", when)
    for label in tick:
        j.choose(label)
    for label, value in (fill or {}).items():
        j.fill(label, value)
    for label, option in (select or {}).items():
        j.page.get_by_label(label).select_option(label=option)
    j.check("event-form" if kind == "Meeting" else None)
    j.click("Save")
    assert j.page.url.endswith("/events") and "Error" not in j.page.title(), j.page.title()


def test_the_whole_journey(server, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    context = browser.new_context(
        accept_downloads=True, bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(8000)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    j = Journey(page, server)

    j.go("/")
    j.check("start")
    j.sign_in("dsl@school.example")
    j.check("cases")
    j.click("Start a new case")
    j.choose("Walsall Council")
    j.click("Continue", "requirements")
    j.click("Continue")  # without the tick-box
    assert "Confirm that you have read" in page.locator(".govuk-error-summary").inner_text()
    j.check("requirements-error")
    j.choose("I have read and understand the evidence requirements")
    j.click("Continue")
    j.fill("First name", "Ruby")
    j.fill("Last name", "Jones")
    j.date("date_of_birth", dt.date(2016, 3, 14))
    j.choose("Year 5")
    j.fill("Home address", "3 Oak Street, Walsall WS2 9AA")
    j.click("Continue", "flags")
    j.case_id = int(re.search(r"/cases/(\d+)/", page.url).group(1))
    j.choose("No special educational needs")
    j.click("Continue", "task-list")

    j.link("Parents and carers")
    j.fill("Full name", "Kim Jones")
    j.choose("Mother")
    page.locator("#parental_responsibility").check()
    page.locator("#day_to_day_care").check()
    j.fill("Address", "3 Oak Street, Walsall WS2 9AA")
    j.click("Continue")
    j.choose("No")
    j.click("Continue")

    before_register = j.todo()
    j.check("evidence-start")
    j.go(f"/cases/{j.case_id}/register")
    page.set_input_files(
        "#csv_file",
        files=[
            {"name": "register.csv", "mimeType": "text/csv", "buffer": register_csv(today).encode()}
        ],
    )
    j.click("Upload and check", "register-preview")
    j.click("Save these marks", "register")
    assert j.todo() < before_register

    meeting = weekday_before(today, 30)
    meeting_option = f"Meeting on {meeting.day} {meeting:%B %Y}"
    add_event(
        j,
        "Letter",
        weekday_before(today, 50),
        tick=("Kim Jones", "Attendance concern", "Support offered or in place"),
    )
    add_event(
        j,
        "Meeting",
        meeting,
        tick=("Attendance meeting", "Held", "Kim Jones"),
        fill={"Time (optional)": "09:30"},
    )
    add_event(
        j,
        "Letter",
        weekday_before(meeting, 10),
        tick=("Kim Jones", "Invitation to a meeting"),
        select={"Which meeting does it invite to or follow? (optional)": meeting_option},
    )
    add_event(
        j,
        "Letter",
        weekday_before(today, 25),
        tick=("Kim Jones", "After a meeting"),
        fill={"Attendance stated in it (optional)": "75"},
        select={"Which meeting does it invite to or follow? (optional)": meeting_option},
    )
    add_event(
        j,
        "Letter",
        weekday_before(today, 15),
        tick=("Kim Jones", "Continued concern", "Support offered or in place"),
        fill={"Summary (optional)": "Continued concern; support offered: mentoring."},
    )
    add_event(
        j,
        "Referral for support",
        weekday_before(today, 20),
        fill={"Which service was the referral to?": "School mentoring scheme"},
    )
    j.check("events")
    after_events = j.todo()
    assert after_events < before_register

    # A letter from a model template, recorded as sent: the warning before referral.
    j.go(f"/cases/{j.case_id}/letters")
    j.check("letters")
    j.choose("Warning of referral to the local authority (one per carer)")
    j.choose("Kim Jones (mother)")
    j.click("Preview the letter", "letter-preview")
    with page.expect_download() as dl:
        j.page.get_by_role("button", name="Download the letter (Word document)").click()
    assert dl.value.suggested_filename.endswith(".docx")
    j.click("Record as sent today")
    assert j.todo() < after_events
    for number in ("4", "5"):  # conditional items: say why they do not apply
        j.page.get_by_role("link", name=f"Say why it does not apply (item {number})").click()
        j.check("not-applicable" if number == "5" else None)
        j.fill(
            "Why does this not apply?", "No agencies are involved and no medical issues are known."
        )
        j.click("Save")
    j.check("evidence")
    todo_text = page.locator("#todo-count").inner_text()
    (SHOTS / "not-met.txt").write_text(
        "\n---\n".join(
            page.locator(".govuk-summary-card").filter(has_text="Not met").all_inner_texts()
        )
    )
    # Issue 14.6: the tick at the start already met the tick-box item, so nothing is left
    assert todo_text.startswith("All "), (
        todo_text,
        page.locator(".govuk-summary-card").filter(has_text="Not met").all_inner_texts(),
    )

    j.go(f"/cases/{j.case_id}/declaration")
    j.check("declaration")
    j.choose(
        "I confirm that the information in this referral is correct to the best of my "
        "knowledge, and that I have read and understand the evidence requirements"
    )
    j.click("Confirm and continue", "check-answers")
    j.click("Continue to the bundle")
    j.click("Build the bundle")
    page.wait_for_selector("#download-bundle", timeout=120_000)
    j.check("bundle")
    with page.expect_download() as dl:
        page.locator("#download-bundle").click()
    pdf = tmp_path / "bundle.pdf"
    dl.value.save_as(pdf)
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    assert len(reader.pages) > 3
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles, "the bundle has bookmarks"
    j.click("Continue to send the referral", "submit")
    j.click("Send the referral", "confirmation")
    assert "Referral sent" in page.content()
    reference = re.search(r"WAL-\d{4}-\d{4}", page.content()).group(0)
    j.sign_out()

    j.sign_in("officer@walsall.example")
    j.check("la-dashboard")
    j.link(reference, "la-referral")
    j.choose("Return it to the school")
    j.fill("Reasons (needed to return it)", "Please add the previous year's certificate.")
    j.click("Save decision")
    j.go("/la/check-a-bundle")
    page.set_input_files("#bundle", str(pdf))
    j.click("Check the bundle", "la-verify")
    assert page.locator("#verify-result").is_visible()
    assert "Genuine and complete" in page.locator("#verify-result").inner_text()
    j.sign_out()

    j.sign_in("dsl@school.example")
    j.go(f"/cases/{j.case_id}")
    j.check("task-list-returned")
    assert "previous year's certificate" in page.locator("#return-reason").inner_text()
    # The school answers the return; the history shows the conversation (issue 14.10).
    j.fill("Your reply to the local authority", "The previous year's certificate is attached.")
    j.click("Send the reply", "task-list-replied")
    history = page.locator("#history").inner_text()
    assert history.index("previous year's certificate.") < history.index("is attached.")
    assert len(j.checked) > 30
    assert console == [], console  # no CSP violations or script errors on any page
