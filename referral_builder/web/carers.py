"""Parents and carers, with "add another"."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from referral_builder.forms.carers import RELATIONSHIPS, AddAnotherForm, CarerForm
from referral_builder.forms.case import VersionedForm
from referral_builder.services import cases
from referral_builder.web import once
from referral_builder.web.access import case_view, school_user
from referral_builder.web.cases import save_or_conflict

bp = Blueprint("carers", __name__, url_prefix="/cases/<int:case_id>/carers")
RELATIONSHIP_NAMES = dict(RELATIONSHIPS)


@bp.route("", methods=["GET", "POST"])
@school_user
def index(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    carers = view.data.get("carers", [])
    if not carers and request.method == "GET":
        return redirect(url_for("carers.edit", case_id=case_id, carer_id="new"))
    form = AddAnotherForm(data={"version": view.record.version})
    if form.validate_on_submit():
        if form.add_another.data == "yes":
            return redirect(url_for("carers.edit", case_id=case_id, carer_id="new"))
        return redirect(url_for("cases.task_list", case_id=case_id))
    return render_template("web/carers.html", view=view, carers=carers, form=form,
                           names=RELATIONSHIP_NAMES, title="Parents and carers",
                           back_url=url_for("cases.task_list", case_id=case_id))


@bp.route("/<carer_id>", methods=["GET", "POST"])
@school_user
def edit(case_id: int, carer_id: str) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    carers = view.data.setdefault("carers", [])
    existing = next((c for c in carers if c["id"] == carer_id), None)
    if carer_id != "new" and existing is None:
        abort(404)
    old = existing or {}
    yes_no: dict[bool | None, str] = {True: "yes", False: "no"}
    form = CarerForm(data={
        "version": view.record.version, **{k: old.get(k) for k in (
            "name", "relationship", "address", "email", "phone", "contact_restriction")},
        "parental_responsibility": yes_no.get(old.get("parental_responsibility")),
        "day_to_day_care": yes_no.get(old.get("day_to_day_care"))})
    title = "Change a parent or carer" if existing else "Add a parent or carer"
    problems = []
    if form.validate_on_submit():
        carer = {"id": carer_id if existing else cases.next_id(carers, "c"),
                 "name": form.name.data, "relationship": form.relationship.data,
                 "parental_responsibility": form.parental_responsibility.boolean,
                 "day_to_day_care": form.day_to_day_care.boolean,
                 "address": form.address.data, "email": form.email.data or "",
                 "phone": form.phone.data or "",
                 "contact_restriction": form.contact_restriction.data or None}
        content = once.digest("carer", {k: v for k, v in carer.items() if k != "id"})
        if not existing and (done := once.already_saved(form, case_id, content)) is not None:
            return done
        if existing:
            carers[carers.index(existing)] = carer
        else:
            carers.append(carer)
            once.remember(form, case_id, url_for("carers.edit", case_id=case_id,
                                                 carer_id=carer["id"]), content)
        # A new carer merges with any other change made meanwhile (the case was loaded
        # afresh for this request); a change to an existing one needs the version shown.
        shown = form.version.data if existing else view.record.version
        if (problem := save_or_conflict(view, view.data, shown)) is None:
            return redirect(url_for("carers.index", case_id=case_id))
        problems = [{"text": problem, "href": "#main-content"}]
    return render_template("web/carer.html", form=form, title=title, problems=problems,
                           back_url=url_for("carers.index", case_id=case_id))


@bp.route("/<carer_id>/remove", methods=["GET", "POST"])
@school_user
def remove(case_id: int, carer_id: str) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    carers = view.data.get("carers", [])
    carer = next((c for c in carers if c["id"] == carer_id), None)
    if carer is None:
        abort(404)
    form = VersionedForm(data={"version": view.record.version})
    problems = []
    if form.validate_on_submit():
        carers.remove(carer)
        if (problem := save_or_conflict(view, view.data, form.version.data)) is None:
            return redirect(url_for("carers.index", case_id=case_id))
        problems = [{"text": "You cannot remove them while events in the chronology name "
                             f"them. {problem}", "href": "#main-content"}]
    return render_template("web/confirm_remove.html", form=form, problems=problems,
                           thing=carer["name"], title=f"Remove {carer['name']}?",
                           back_url=url_for("carers.index", case_id=case_id))
