"""Jinja filters: dates the way school letters write them, and GOV.UK tag colours."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask

from referral_builder.domain import calendar

STATUS_TAGS = {
    "met": ("Met", "govuk-tag--green"),
    "not_met": ("Not met", "govuk-tag--red"),
    "not_applicable": ("Not applicable", "govuk-tag--grey"),
    "draft": ("Draft", "govuk-tag--grey"),
    "submitted": ("Submitted", "govuk-tag--blue"),
    "accepted": ("Accepted", "govuk-tag--green"),
    "returned": ("Returned", "govuk-tag--red"),
}


HISTORY_TEXT = {"submitted": "Sent", "accepted": "Accepted", "returned": "Returned",
                "replied": "Replied"}


def history_text(action: str) -> str:
    return HISTORY_TEXT.get(action, action.replace("_", " ").capitalize())


def long_date(value: dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return calendar.long_date(value)


MONTHS = {m[:3]: m for m in ("January", "February", "March", "April", "May", "June", "July",
                              "August", "September", "October", "November", "December")}
_INTERNAL_ID = re.compile(r" \((?:[a-z]{1,3}\d+|[a-z0-9]+(?:_[a-z0-9]+)+)\)")
_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
_SHORT_DATE = re.compile(r"\b(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})\b")
_ONE = re.compile(r"\b(?<![\d.,])(?<!Year )(?<!year )(?<!Item )(?<!item )1 "
                  r"((?:(?:school|possible|unauthorised|authorised|medical) ){0,2}"
                  r"(?:day|session|week|mark|review|letter|meeting|absence|item|event|page|code|"
                  r"referral|pupil|notice)s?)\b"
                  r"((?: since \d{1,2} [A-Z][a-z]+ \d{4})?)"
                  r"(?: (are|have|were|use|need|do|remain)\b)?")
_OF = re.compile(r"\b(?<![\d.,])1 of ((?:its |the |these )?\d+ (?:[a-z]+ ){0,2}[a-z]+s) "
                 r"(are|have|were)\b")
#: The verb after one of something: "1 session is", "1 mark has", "only 1 of its 10 days has".
SINGULAR_VERB = {"are": "is", "have": "has", "were": "was", "use": "uses", "need": "needs",
                 "do": "does", "remain": "remains"}
#: What else a sentence says of its subject once the subject is one (the engine's sentences).
_ONE_THING = ((" is not codes in force on their date", " is not a code in force on its date"),
              (" uses codes from the wrong code set for their date",
               " uses a code from the wrong code set for its date"),
              (" has no medical proof dated on or after them",
               " has no medical proof dated on or after it"))
_NONE = re.compile(r"\b([Oo])nly 0 (of\b)?")


def _one(m: re.Match[str]) -> str:
    """One of something, singular, with its verb agreeing: "1 sessions are" -> "1 session is"."""
    noun, since, verb = m.group(1), m.group(2), m.group(3)
    if noun.endswith("s") and not noun.endswith(("ss", "ous")):
        noun = noun[:-1]
    words = f"1 {noun}{since}" + (f" {SINGULAR_VERB[verb]}" if verb else "")
    return words


def plain(text: str | None) -> str:
    """An engine or planner sentence for people: no ids, codes, short dates, "1 days" or "only 0".

    The published check (referral-check/1) keeps its wording; this is for pages only (issue 14.11).
    """
    if not text:
        return ""
    text = _INTERNAL_ID.sub("", str(text))
    text = _CODE.sub(lambda m: m.group(0).replace("_", " "), text)
    text = _SHORT_DATE.sub(lambda m: f"{m.group(1)} {MONTHS[m.group(2)]} {m.group(3)}", text)
    text = _ONE.sub(_one, text)
    text = _OF.sub(lambda m: f"1 of {m.group(1)} {SINGULAR_VERB[m.group(2)]}", text)
    if text.startswith("1 ") or " 1 " in text:
        for plural, single in _ONE_THING:
            text = re.sub(r"(\b1 [^;.:]*?)" + re.escape(plural),
                          r"\g<1>" + single, text)
    text = _NONE.sub(lambda m: ("N" if m.group(1) == "O" else "n")
                     + ("one of" if m.group(2) else "o "), text)
    return text[:1].upper() + text[1:]


#: The problem `documents.verify` reports for a draft: the bundle is genuine but not ready.
DRAFT_PROBLEM = "This is a draft bundle, made before the referral was ready."


def verify_outcome(result) -> str:
    """Which of the three answers "Check a bundle" gives (issue 14.10).

    "complete": genuine and complete; "not_ready": every page and file as made, but a draft
    or an item not met; "altered": a page or file changed, removed or unreadable.
    """
    if result.complete:
        return "complete"
    if any(p != DRAFT_PROBLEM for p in result.problems) or result.report is None:
        return "altered"
    return "not_ready"


VERBS = {"is": "are", "has": "have", "was": "were", "does": "do", "needs": "need"}


def counted(n: int, noun: str, verb: str | None = None, plural: str | None = None) -> str:
    """ "1 item is", "2 items are": the number, the noun and the verb agreeing with it."""
    words = f"{n} {noun if n == 1 else plural or noun + 's'}"
    if verb:
        words += " " + (verb if n == 1 else VERBS.get(verb, verb))
    return words


def date_time(value: dt.datetime | None) -> str:
    if not value:
        return ""
    return f"{value.day} {value:%B %Y} at {value:%H:%M}"


def error_list(form: Any) -> dict[str, Any]:
    """The error summary for a form, each link pointing at the first box of its field.

    govuk-frontend-wtf links a date to its fieldset; the design system links to the day box.
    """
    from govuk_frontend_wtf.main import wtforms_errors

    params = wtforms_errors(form)
    dates = {f"#{f.id}" for f in form if f.type == "DateInput"}
    for error in params["errorList"]:
        if error.get("href") in dates:
            error["href"] = f"{error['href']}-day"
    return params


def register_filters(app: Flask) -> None:
    app.add_template_global(error_list)
    app.add_template_global(counted)
    app.add_template_global(dt.date.today, "date_today")
    app.add_template_filter(verify_outcome)
    app.add_template_filter(long_date)
    app.add_template_filter(date_time)
    app.add_template_filter(history_text)
    app.add_template_filter(plain)
    app.add_template_filter(long_date, "short_date")  # one date form everywhere (issue 14.7)
    app.add_template_filter(lambda s: STATUS_TAGS.get(s, (s, ""))[0], "status_text")
    app.add_template_filter(lambda s: STATUS_TAGS.get(s, (s, ""))[1], "status_class")
