"""The school's term dates page: entered once by its DSL, used for every case of the school
(`services.term_dates`). A textarea of date ranges, one term a line, and one of closure
days: errors name the line.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from referral_builder.domain.model import SchoolCalendar
from referral_builder.services.term_dates import parse, save_calendar, school_calendar
from referral_builder.web import database
from referral_builder.web.access import school_user
from referral_builder.web.security import audit

bp = Blueprint("term_dates", __name__)


class TermDatesForm(FlaskForm):
    """The two textareas are read from request.form; CSRF only here."""


def _lines(calendar: SchoolCalendar | None) -> tuple[str, str]:
    if calendar is None:
        return "", ""
    return ("\n".join(f"{t.start:%d/%m/%Y} to {t.end:%d/%m/%Y}" for t in calendar.terms),
            "\n".join(f"{d:%d/%m/%Y}" for d in calendar.closures))


@bp.route("/school/term-dates", methods=["GET", "POST"])
@school_user
def term_dates() -> str | Response:
    form = TermDatesForm()
    s = database.session()
    school_id = current_user.school_id
    terms_text, closures_text = _lines(school_calendar(s, school_id))
    problems: list[dict[str, str]] = []
    if form.validate_on_submit():
        terms_text = request.form.get("terms", "")[:20000]
        closures_text = request.form.get("closures", "")[:20000]
        calendar, problems = parse(terms_text, closures_text)
        if calendar is not None:
            audit("term_dates", detail=f"{len(calendar.terms)} terms, "
                                       f"{len(calendar.closures)} closure days")
            save_calendar(s, school_id, calendar, current_user.id)
            flash("Term dates saved: plans for your school’s cases now use them", "success")
            return redirect(url_for("term_dates.term_dates"))
    return render_template("web/term_dates.html", form=form, problems=problems,
                           terms=terms_text, closures=closures_text,
                           title="Term dates", back_url=url_for("planning.caseload"))
