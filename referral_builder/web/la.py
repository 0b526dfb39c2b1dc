"""The LA officer: submissions to their authority, completeness report, decision, bundle check."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from referral_builder.domain.errors import ReferralBuilderError
from referral_builder.forms.submit import DecisionForm, VerifyForm
from referral_builder.services import referrals
from referral_builder.services.cases import CaseView
from referral_builder.web import database, uploads
from referral_builder.web.access import case_view, la_officer
from referral_builder.web.security import audit

bp = Blueprint("la", __name__, url_prefix="/la")


#: Rows per page of the dashboard, and the orders an officer can choose.
PAGE_SIZE = 50
SORTS = referrals.SORTS


@bp.get("/")
@la_officer
def dashboard() -> ResponseReturnValue:
    """Submitted referrals, listed from the report frozen at submission, a page at a time."""
    sort = request.args.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = referrals.dashboard(database.session(), current_user.authority_id, sort=sort,
                                page=page, page_size=PAGE_SIZE)
    # Referrals submitted before reports were frozen (migration 0006) are checked here.
    legacy = {record.id: CaseView(record) for record, _school, sub in found.rows
              if sub is None or sub.ready is None}
    shown = len(found.rows)
    audit("list", detail=f"{shown} referral{'' if shown == 1 else 's'} to authority "
                         f"{current_user.authority_id}")
    return render_template("web/la_dashboard.html", rows=found.rows, legacy=legacy,
                           total=found.total, page=found.page, pages=found.pages, sort=sort,
                           sorts=SORTS, title="Referrals")


@bp.route("/referrals/<int:case_id>", methods=["GET", "POST"])
@la_officer
def referral(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    form = DecisionForm()
    s = database.session()
    if view.record.status == "submitted" and form.validate_on_submit():
        returned = form.decision.data == "return"
        try:
            referrals.decide(s, view.record, by=current_user, decision=form.decision.data,
                             reason=form.reason.data or "")
        except referrals.NotAllowed as exc:
            flash(str(exc), "important")
            return redirect(url_for("la.referral", case_id=case_id))
        flash(f"Referral {view.record.reference} "
              f"{'returned to the school' if returned else 'accepted'}", "success")
        return redirect(url_for("la.dashboard"))
    history = referrals.history(s, case_id)
    from referral_builder.services import notices

    return render_template("web/la_referral.html", view=view, form=form, history=history,
                           invite_notes=notices.invite_notes(view),
                           missing=notices.missing_copies(view),
                           bundle=referrals.submitted_bundle(s, case_id), title=f"Referral "
                           f"{view.record.reference}", back_url=url_for("la.dashboard"))


@bp.route("/check-a-bundle", methods=["GET", "POST"])
@la_officer
def verify() -> ResponseReturnValue:
    form = VerifyForm()
    uploads.flag(form.bundle)
    result = None
    if form.validate_on_submit():
        from referral_builder.services.bundling import NotABundle, verify_bundle

        authority = current_user.authority.slug if current_user.authority else None
        try:
            result = verify_bundle(form.bundle.data.read(), authority=authority)
        except NotABundle as exc:
            form.bundle.errors = [f"The file is not a bundle this service can check: {exc}"]
        except ReferralBuilderError as exc:
            form.bundle.errors = [f"The file cannot be checked: {exc}"]
    return render_template("web/la_verify.html", form=form, result=result,
                           title="Check a bundle")
