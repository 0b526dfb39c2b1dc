"""Administrators read and export the access audit log (the export is itself audited)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from referral_builder.forms.admin import AuditFilterForm
from referral_builder.services import audit as audit_service
from referral_builder.web import database
from referral_builder.web.access import roles
from referral_builder.web.downloads import attachment
from referral_builder.web.security import audit

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles("admin")
PAGE_ROWS = 500
COLUMNS = ("id", "at", "user_id", "user_email", "action", "outcome", "case_id", "endpoint",
           "detail")


def _filter(form: AuditFilterForm) -> audit_service.LogFilter:
    return audit_service.LogFilter(email=form.email.data or None, date_from=form.date_from.data,
                               date_to=form.date_to.data)


def _form() -> tuple[AuditFilterForm, bool]:
    form = AuditFilterForm(request.args)
    return form, (form.validate() if request.args else True)


@bp.get("/audit")
@admin_only
def audit_log() -> str:
    form, valid = _form()
    rows = list(audit_service.read_log(database.session(), _filter(form), PAGE_ROWS)) \
        if valid else []
    audit("audit_view", detail=f"{len(rows)} rows")
    return render_template("web/admin_audit.html", form=form, rows=rows, limit=PAGE_ROWS,
                           query=request.query_string.decode("ascii", "replace"),
                           title="Audit log")


@bp.get("/audit.csv")
@admin_only
def audit_csv() -> Response | tuple[str, int]:
    form, valid = _form()
    if not valid:
        return render_template("web/admin_audit.html", form=form, rows=[], limit=PAGE_ROWS,
                               query="", title="Audit log"), 400
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for entry, email in audit_service.read_log(database.session(), _filter(form)):
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
