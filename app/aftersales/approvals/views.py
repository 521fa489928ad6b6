"""The approvers' page: money and contract-terms changes waiting for a second person, each with
its rows old → new and approve / reject (with a reason) buttons."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.aftersales.approvals import service as approvals
from app.bpm.db import db
from app.bpm.errors import Conflict, FormRejected
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _t, _user, login_required
from app.i18n import translate

approvals_web = Blueprint("approvals", __name__, template_folder="templates")


@approvals_web.get("/changes")
@login_required
def changes_page() -> str:
    changes = approvals.waiting(db.session(), _user(), current_locale())
    return render_template("approvals/changes.html", changes=changes)


def _decide(change_id: int, approve: bool) -> Any:
    reason = request.form.get("reason")
    try:
        approvals.decide(db.session(), _user(), change_id, approve, reason, current_locale())
    except FormRejected as err:
        for messages in err.errors.values():
            for message in messages:
                flash(f"{_t('change.reject_reason')}: {message}", "error")
        return redirect(url_for("approvals.changes_page"))
    except Conflict as err:
        flash(translate(err.message_key, current_locale(), **err.params), "error")
        return redirect(url_for("approvals.changes_page"))
    flash(_t("change.approved" if approve else "change.rejected"), "success")
    return redirect(url_for("approvals.changes_page"))


@approvals_web.post("/changes/<int:change_id>/approve")
@login_required
def approve_change(change_id: int) -> Any:
    return _decide(change_id, True)


@approvals_web.post("/changes/<int:change_id>/reject")
@login_required
def reject_change(change_id: int) -> Any:
    return _decide(change_id, False)
