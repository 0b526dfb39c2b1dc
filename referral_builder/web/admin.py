"""Administrators read and export the access audit log (the export is itself audited)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, render_template, request
from sqlalchemy import Select, func, select

from referral_builder.forms.admin import AuditFilterForm
from referral_builder.storage.models import AuditEntry, User
from referral_builder.web import database
from referral_builder.web.access import roles
from referral_builder.web.downloads import attachment
from referral_builder.web.security import audit

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles("admin")
PAGE_ROWS = 500
COLUMNS = ("id", "at", "user_id", "user_email", "action", "outcome", "case_id", "endpoint",
           "detail")


def _query(form: AuditFilterForm) -> Select:  # type: ignore[type-arg]
    q = (select(AuditEntry, User.email).outerjoin(User, User.id == AuditEntry.user_id)
         .order_by(AuditEntry.id.desc()))
    if form.email.data:
        q = q.where(func.lower(User.email) == form.email.data.strip().lower())
    if form.date_from.data:
        q = q.where(AuditEntry.at >= dt.datetime.combine(form.date_from.data, dt.time()))
    if form.date_to.data:
        end = form.date_to.data + dt.timedelta(days=1)
        q = q.where(AuditEntry.at < dt.datetime.combine(end, dt.time()))
    return q


def _form() -> tuple[AuditFilterForm, bool]:
    form = AuditFilterForm(request.args)
    return form, (form.validate() if request.args else True)


@bp.get("/audit")
@admin_only
def audit_log():  # type: ignore[no-untyped-def]
    form, valid = _form()
    rows = database.session().execute(_query(form).limit(PAGE_ROWS)).all() if valid else []
    audit("audit_view", detail=f"{len(rows)} rows")
    return render_template("web/admin_audit.html", form=form, rows=rows, limit=PAGE_ROWS,
                           query=request.query_string.decode("ascii", "replace"),
                           title="Audit log")


@bp.get("/audit.csv")
@admin_only
def audit_csv():  # type: ignore[no-untyped-def]
    form, valid = _form()
    if not valid:
        return render_template("web/admin_audit.html", form=form, rows=[], limit=PAGE_ROWS,
                               query="", title="Audit log"), 400
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for entry, email in database.session().execute(_query(form)):
        writer.writerow([_cell(v) for v in (
            entry.id, entry.at.isoformat(timespec="seconds"), entry.user_id, email,
            entry.action, entry.outcome, entry.case_id, entry.endpoint, entry.detail)])
        count += 1
    audit("audit_export", detail=f"{count} rows")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return attachment(out.getvalue().encode("utf-8"), f"audit-log-{stamp}.csv", "text/csv")


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
