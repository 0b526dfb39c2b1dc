"""The LA officer: submissions to their authority, completeness report, decision, bundle check."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from referral_builder.domain.errors import ReferralBuilderError
from referral_builder.forms.submit import DecisionForm, VerifyForm
from referral_builder.storage.models import CaseRecord, Submission
from referral_builder.web import database, uploads
from referral_builder.web.access import VISIBLE_TO_LA, case_view, la_officer
from referral_builder.web.cases import _latest_bundle
from referral_builder.web.security import audit
from referral_builder.web.services import CaseView

bp = Blueprint("la", __name__, url_prefix="/la")


@bp.get("/")
@la_officer
def dashboard():  # type: ignore[no-untyped-def]
    records = database.session().scalars(
        select(CaseRecord).where(CaseRecord.authority_id == current_user.authority_id,
                                 CaseRecord.status.in_(VISIBLE_TO_LA))
        .order_by(CaseRecord.submitted_at.desc())).all()
    audit("list", detail=f"{len(records)} referrals to authority {current_user.authority_id}")
    return render_template("web/la_dashboard.html", views=[CaseView(r) for r in records],
                           title="Referrals")


@bp.route("/referrals/<int:case_id>", methods=["GET", "POST"])
@la_officer
def referral(case_id: int):  # type: ignore[no-untyped-def]
    view = case_view(case_id)
    form = DecisionForm()
    if view.record.status == "submitted" and form.validate_on_submit():
        s = database.session()
        returned = form.decision.data == "return"
        view.record.status = "returned" if returned else "accepted"
        view.record.return_reason = form.reason.data if returned else ""
        s.add(Submission(case_id=case_id, action=view.record.status, user_id=current_user.id,
                         name=current_user.name, reason=form.reason.data or ""))
        s.commit()
        flash(f"Referral {view.record.reference} "
              f"{'returned to the school' if returned else 'accepted'}", "success")
        return redirect(url_for("la.dashboard"))
    history = database.session().scalars(select(Submission).where(
        Submission.case_id == case_id).order_by(Submission.at)).all()
    from referral_builder.web import worth_checking

    return render_template("web/la_referral.html", view=view, form=form, history=history,
                           invite_notes=worth_checking.invite_notes(view),
                           missing=worth_checking.missing_copies(view),
                           bundle=_latest_bundle(case_id), title=f"Referral "
                           f"{view.record.reference}", back_url=url_for("la.dashboard"))


@bp.route("/check-a-bundle", methods=["GET", "POST"])
@la_officer
def verify():  # type: ignore[no-untyped-def]
    form = VerifyForm()
    uploads.flag(form.bundle)
    result = None
    if form.validate_on_submit():
        from referral_builder.documents.verify import NotABundle, verify_bundle

        authority = current_user.authority.slug if current_user.authority else None
        try:
            result = verify_bundle(form.bundle.data.read(), authority=authority)
        except NotABundle as exc:
            form.bundle.errors = [f"The file is not a bundle this service can check: {exc}"]
        except ReferralBuilderError as exc:
            form.bundle.errors = [f"The file cannot be checked: {exc}"]
    return render_template("web/la_verify.html", form=form, result=result,
                           title="Check a bundle")
