"""The LA officer: submissions to their authority, completeness report, decision, bundle check."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from referral_builder.domain.errors import ReferralBuilderError
from referral_builder.forms.submit import DecisionForm, VerifyForm
from referral_builder.services import bundles
from referral_builder.services.cases import CaseView
from referral_builder.storage.models import CaseRecord, School, Submission
from referral_builder.web import database, uploads
from referral_builder.web.access import VISIBLE_TO_LA, case_view, la_officer
from referral_builder.web.security import audit

bp = Blueprint("la", __name__, url_prefix="/la")


#: Rows per page of the dashboard, and the orders an officer can choose.
PAGE_SIZE = 50
SORTS = {"newest": "Newest first", "school": "School", "status": "Status"}


@bp.get("/")
@la_officer
def dashboard():  # type: ignore[no-untyped-def]
    """Submitted referrals, listed from the report frozen at submission: one query with the
    schools joined, a page at a time, so the page costs the same for 5 or 5,000 referrals."""
    sort = request.args.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    latest = (select(Submission.case_id, func.max(Submission.id).label("sub_id"))
              .where(Submission.action == "submitted").group_by(Submission.case_id)
              .subquery())
    visible = (CaseRecord.authority_id == current_user.authority_id,
               CaseRecord.status.in_(VISIBLE_TO_LA))
    order = {"newest": (CaseRecord.submitted_at.desc(), CaseRecord.id.desc()),
             "school": (School.name, CaseRecord.submitted_at.desc(), CaseRecord.id.desc()),
             "status": (CaseRecord.status, CaseRecord.submitted_at.desc(),
                        CaseRecord.id.desc())}[sort]
    s = database.session()
    total = s.scalar(select(func.count()).select_from(CaseRecord).where(*visible)) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(page, pages)
    rows = s.execute(
        select(CaseRecord, School, Submission)
        .join(School, School.id == CaseRecord.school_id)
        .outerjoin(latest, latest.c.case_id == CaseRecord.id)
        .outerjoin(Submission, Submission.id == latest.c.sub_id)
        .where(*visible).order_by(*order)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    # Referrals submitted before reports were frozen (migration 0006) are checked here.
    legacy = {record.id: CaseView(record) for record, _school, sub in rows
              if sub is None or sub.ready is None}
    audit("list", detail=f"{len(rows)} referrals to authority {current_user.authority_id}")
    return render_template("web/la_dashboard.html", rows=rows, legacy=legacy, total=total,
                           page=page,
                           pages=pages, sort=sort, sorts=SORTS, title="Referrals")


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
                           bundle=bundles.submitted_bundle(case_id), title=f"Referral "
                           f"{view.record.reference}", back_url=url_for("la.dashboard"))


@bp.route("/check-a-bundle", methods=["GET", "POST"])
@la_officer
def verify():  # type: ignore[no-untyped-def]
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
