"""Jinja filters: dates the way school letters write them, and GOV.UK tag colours."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from referral_builder.domain.calendar import fmt

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
    return f"{value.day} {value:%B %Y}"


def date_time(value: dt.datetime | None) -> str:
    if not value:
        return ""
    return f"{value.day} {value:%B %Y} at {value:%H:%M}"


def error_list(form) -> dict[str, object]:  # type: ignore[no-untyped-def]
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
    app.add_template_filter(long_date)
    app.add_template_filter(date_time)
    app.add_template_filter(history_text)
    app.add_template_filter(lambda d: fmt(d) if d else "", "short_date")
    app.add_template_filter(lambda s: STATUS_TAGS.get(s, (s, ""))[0], "status_text")
    app.add_template_filter(lambda s: STATUS_TAGS.get(s, (s, ""))[1], "status_class")
