"""The follow-up's pages: a visit's findings (added beside the task; a page of its own keeps
what was typed when something is wrong), and the key customers' yearly visit reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.bpm import tasks
from app.bpm.db import db
from app.bpm.errors import FormRejected, ServiceError
from app.bpm.forms.views import coerce_html_form
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _render_task, _t, _tz, _user, login_required
from app.processes.follow_up import service as follow_ups

follow_up_web = Blueprint("follow_up", __name__, template_folder="templates")


def _back() -> str:
    back = request.form.get("back") or ""
    return back if back.startswith("/") and not back.startswith("//") else ""


@dataclass(frozen=True)
class TypedFinding:
    """A refused finding posted from beside its task: shown again there (_findings.html)."""

    typed: dict[str, str]
    errors: dict[str, list[str]]


def _task_id() -> str:
    return str(request.form.get("task_id") or "")


def _task_typed(task_id: str) -> dict[str, Any]:
    """The task form's fields posted with the finding (its buttons post the task's form)."""
    form = tasks.task_form(db.session(), _user(), task_id)
    return coerce_html_form(form, request.form.to_dict(flat=False), _tz()) if form else {}


def _back_to_task(task_id: str, typed_task: dict[str, Any], message: str) -> Any:
    """What was typed in the task's form kept as its draft, and the task page again."""
    try:
        tasks.save_draft(db.session(), _user(), task_id, typed_task, current_locale())
    except FormRejected as err:
        flash(_t("form.has_errors"), "error")
        return _render_task(task_id, values=typed_task, errors=err.errors)
    flash(_t(message), "success")
    return redirect(url_for("web.task_page", task_id=task_id))


def _findings_page(instance_id: int, typed: dict[str, str], errors: dict[str, list[str]], status: int) -> Any:
    session_ = db.session()
    follow_up = follow_ups.get_follow_up(session_, _user(), instance_id)
    choices = follow_ups.finding_choices(session_, follow_up)
    page = render_template(
        "follow_up/findings.html",
        follow_up=follow_up,
        editable=follow_ups.may_record(_user(), follow_up),
        departments=choices.departments,
        models=choices.models,
        typed=typed,
        errors=errors,
        back=_back() or None,
    )
    return page, status


@follow_up_web.get("/follow-ups/<int:instance_id>/findings")
@login_required
def findings_page(instance_id: int) -> Any:
    return _findings_page(instance_id, {}, {}, 200)


@follow_up_web.post("/follow-ups/<int:instance_id>/findings")
@login_required
def add_finding(instance_id: int) -> Any:
    typed = {key: str(request.form.get(key, "")) for key in ("department", "model", "text")}
    task_id = _task_id()
    typed_task = _task_typed(task_id) if task_id else {}
    try:
        follow_ups.add_finding(
            db.session(), _user(), instance_id, typed["department"], typed["model"], typed["text"], current_locale()
        )
    except FormRejected as err:
        if task_id:  # beside the task: the task page again, with everything typed on it
            g.follow_up_finding = TypedFinding(typed, err.errors)
            flash(_t("form.has_errors"), "error")
            return _render_task(task_id, values=typed_task, status=400)
        return _findings_page(instance_id, typed, err.errors, 400)
    if task_id:
        return _back_to_task(task_id, typed_task, "follow_up.finding_added")
    flash(_t("follow_up.finding_added"), "success")
    return redirect(_back() or url_for("follow_up.findings_page", instance_id=instance_id))


@follow_up_web.post("/follow-ups/<int:instance_id>/findings/<int:finding_id>/delete")
@login_required
def remove_finding(instance_id: int, finding_id: int) -> Any:
    task_id = _task_id()
    typed_task = _task_typed(task_id) if task_id else {}
    follow_ups.remove_finding(db.session(), _user(), instance_id, finding_id)
    if task_id:
        return _back_to_task(task_id, typed_task, "follow_up.finding_removed")
    return redirect(_back() or url_for("follow_up.findings_page", instance_id=instance_id))


# -- visit reports ---------------------------------------------------------------------------


def _reports_page(typed: dict[str, str], errors: dict[str, list[str]], status: int) -> Any:
    session_ = db.session()
    page = render_template(
        "follow_up/visit_reports.html",
        reports=follow_ups.list_reports(session_, _user()),
        customers=follow_ups.key_customers(session_),
        typed=typed,
        errors=errors,
        this_year=date.today().year,
    )
    return page, status


@follow_up_web.get("/visit-reports")
@login_required
def visit_reports_page() -> Any:
    return _reports_page({}, {}, 200)


@follow_up_web.post("/visit-reports")
@login_required
def draft_visit_report() -> Any:
    typed = {key: str(request.form.get(key, "")).strip() for key in ("customer_id", "year")}
    errors: dict[str, list[str]] = {}
    for key in ("customer_id", "year"):
        if not typed[key].isdigit():
            errors[key] = [_t("form.required" if not typed[key] else "form.invalid")]
    if errors:
        return _reports_page(typed, errors, 400)
    try:
        report = follow_ups.draft_report(
            db.session(), _user(), int(typed["customer_id"]), int(typed["year"]), current_locale()
        )
    except FormRejected as err:
        return _reports_page(typed, err.errors, 400)
    except ServiceError as err:
        if err.status >= 500 or err.status in (403, 404):
            raise
        return _reports_page(typed, {"customer_id": [_t(err.message_key, **err.params)]}, 400)
    flash(_t("follow_up.report.drafted"), "success")
    return redirect(url_for("follow_up.visit_report_page", report_id=report.id))


def _report_page(report_id: int, typed: str | None, errors: dict[str, list[str]], status: int) -> Any:
    report = follow_ups.get_report(db.session(), _user(), report_id)
    page = render_template(
        "follow_up/visit_report.html",
        report=report,
        body=report.body if typed is None else typed,
        errors=errors,
        may_approve=follow_ups.may_approve(_user(), report),
    )
    return page, status


@follow_up_web.get("/visit-reports/<int:report_id>")
@login_required
def visit_report_page(report_id: int) -> Any:
    return _report_page(report_id, None, {}, 200)


@follow_up_web.post("/visit-reports/<int:report_id>")
@login_required
def edit_visit_report(report_id: int) -> Any:
    body = str(request.form.get("body", ""))
    try:
        follow_ups.edit_report(db.session(), _user(), report_id, body, current_locale())
    except FormRejected as err:
        return _report_page(report_id, body, err.errors, 400)
    except ServiceError as err:
        if err.status in (403, 404) or err.status >= 500:
            raise
        return _report_page(report_id, body, {"body": [_t(err.message_key, **err.params)]}, 409)
    flash(_t("follow_up.report.saved"), "success")
    return redirect(url_for("follow_up.visit_report_page", report_id=report_id))


@follow_up_web.post("/visit-reports/<int:report_id>/approve")
@login_required
def approve_visit_report(report_id: int) -> Any:
    try:
        follow_ups.approve_report(db.session(), _user(), report_id)
    except ServiceError as err:
        if err.status == 404 or err.status >= 500:
            raise
        flash(_t(err.message_key, **err.params), "error")
        return redirect(url_for("follow_up.visit_report_page", report_id=report_id))
    flash(_t("follow_up.report.approved_flash"), "success")
    return redirect(url_for("follow_up.visit_report_page", report_id=report_id))
