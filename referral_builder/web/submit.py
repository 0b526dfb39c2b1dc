"""Declaration, the bundle, submission by the DSL, and the confirmation page."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from referral_builder.domain.checklist import DEFAULT_PARAMETERS
from referral_builder.forms.case import VersionedForm
from referral_builder.forms.submit import DeclarationForm
from referral_builder.services import acknowledgements, bundles, referrals
from referral_builder.web import database
from referral_builder.web.access import case_view, roles, school_user
from referral_builder.web.cases import save_or_conflict
from referral_builder.web.downloads import attachment
from referral_builder.web.security import audit

if TYPE_CHECKING:
    from referral_builder.services.cases import CaseView
    from referral_builder.storage.models import BundleJob, StoredFile
from referral_builder.web.tasks import only_declaration_left

bp = Blueprint("submit", __name__, url_prefix="/cases/<int:case_id>")


def declaring_roles(view: CaseView) -> tuple[str, ...]:
    """The roles that may make the declaration: the authority checklist's
    `declaration_roles` (the designated safeguarding lead unless it names others)."""
    authority = next((c for c in view.checklists if c.kind == "authority"), None)
    if authority is None:
        return tuple(DEFAULT_PARAMETERS["declaration_roles"])
    return tuple(authority.param("declaration_roles"))


@bp.route("/declaration", methods=["GET", "POST"])
@school_user
def declaration(case_id: int) -> ResponseReturnValue:
    """The declaration, made as the signed-in user (name and role are theirs, not typed in),
    and only by a role the authority's checklist allows."""
    view = case_view(case_id, edit=request.method == "POST")
    allowed = declaring_roles(view)
    may_declare = current_user.role in allowed
    if request.method == "POST" and not may_declare:
        audit("denied", case_id, "declaration refused: role")
        abort(403)
    form = DeclarationForm(data={
        "version": view.record.version,
        "referral_date": dt.date.fromisoformat(view.data["referral_date"])})
    ready = only_declaration_left(view)
    problems = []
    if ready and form.validate_on_submit():
        view.data["referral_date"] = form.referral_date.data.isoformat()
        referrals.declare(view.data, name=current_user.name, role=current_user.role_name,
                          at=dt.datetime.now())
        if (problem := save_or_conflict(view, view.data, form.version.data)) is None:
            return redirect(url_for("cases.check_answers", case_id=case_id))
        problems = [{"text": problem, "href": "#main-content"}]
    return render_template("web/declaration.html", view=view, form=form, ready=ready,
                           may_declare=may_declare,
                           out_of_date=referrals.declaration_out_of_date(view.data),
                           declarers=[referrals.ROLE_NAMES.get(r, r).lower()
                                      for r in allowed],
                           problems=problems, title="Declaration",
                           back_url=url_for("cases.task_list", case_id=case_id))


def _bundle_state(view: CaseView) -> tuple[StoredFile | None, BundleJob | None]:
    s = database.session()
    return referrals.current_bundle(s, view.record), bundles.job_for(s, view.record.id)


@bp.get("/bundle")
@school_user
def bundle(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    latest, job = _bundle_state(view)
    state = bundles.status(job, current_app)
    building = state in bundles.LIVE
    failed = {"failed": job.error if job else "", "stale": bundles.STALE_MESSAGE}.get(state, "")
    return render_template("web/bundle.html", view=view, latest=latest, building=building,
                           job=job, failed=failed, form=VersionedForm(
                               data={"version": view.record.version}),
                           title="Your bundle" if latest else "Build the bundle",
                           back_url=url_for("cases.task_list", case_id=case_id))


@bp.get("/bundle/status")
@school_user
def bundle_status(case_id: int) -> ResponseReturnValue:
    case_view(case_id)
    job = bundles.job_for(database.session(), case_id)
    return jsonify({"state": bundles.status(job, current_app), "step": job.step if job else ""})


@bp.post("/bundle")
@school_user
def build(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    form = VersionedForm()
    if not form.validate_on_submit() or not view.report.ready:
        return redirect(url_for("submit.bundle", case_id=case_id))
    database.session().close()  # the build writes on its own connection
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    started = bundles.start(app, case_id, view.record.version, current_user.id)
    if started.thread is not None:
        started.thread.join(timeout=3)  # most bundles are done by then; else show progress
    return redirect(url_for("submit.bundle", case_id=case_id))


@bp.get("/bundle/download")
@roles("school_staff", "dsl", "la_officer")
def download(case_id: int) -> ResponseReturnValue:
    case_view(case_id, action="download")
    # The LA gets exactly the bundle that was submitted; a rebuild is the school's draft
    # until they submit again.
    s = database.session()
    latest = (referrals.submitted_bundle(s, case_id) if current_user.role == "la_officer"
              else referrals.latest_bundle(s, case_id))
    if latest is None:
        abort(404)
    return attachment(database.files().get(latest.sha256), latest.filename, "application/pdf")


@bp.route("/submit", methods=["GET", "POST"])
@roles("dsl")
def submit(case_id: int) -> ResponseReturnValue:
    if request.method == "POST":
        database.begin_writing()  # the version checked below cannot change before commit
    view = case_view(case_id, edit=True)
    if acknowledgements.needs_acknowledgement(database.session(), view.record):
        flash("Confirm that you have read the evidence requirements before you send this "
              "imported referral.", "important")
        return redirect(url_for("cases.case_requirements", case_id=case_id))
    if referrals.declaration_out_of_date(view.data):
        flash(referrals.OUT_OF_DATE, "important")
        return redirect(url_for("submit.declaration", case_id=case_id))
    latest, _ = _bundle_state(view)
    form = VersionedForm(data={"version": view.record.version})
    if latest is None or not view.report.ready:
        return redirect(url_for("submit.bundle", case_id=case_id))
    if form.validate_on_submit():
        try:
            referrals.submit(database.session(), view.record, by=current_user,
                             version=form.version.data, case=view.case, report=view.report,
                             bundle=latest)
        except referrals.StaleVersion:
            abort(409)
        except referrals.NotAllowed as exc:
            flash(str(exc), "important")
            return redirect(url_for("cases.task_list", case_id=case_id))
        return redirect(url_for("submit.confirmation", case_id=case_id))
    return render_template("web/submit.html", view=view, form=form, latest=latest,
                           title="Send the referral",
                           back_url=url_for("submit.bundle", case_id=case_id))


@bp.get("/submitted")
@school_user
def confirmation(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    if view.record.status == "draft":
        return redirect(url_for("cases.task_list", case_id=case_id))
    sub, bundle_file = referrals.sent_with(database.session(), case_id)
    return render_template("web/confirmation.html", view=view, sub=sub, bundle=bundle_file,
                           title="Referral sent")
