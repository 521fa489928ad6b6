"""The service network's page: every branch with its staff and the customers it serves; the
office assigns a customer to a branch there (errors beside the fields, nothing typed lost)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.aftersales.branches import service as branches
from app.aftersales.policies import can_edit_branches
from app.bpm.db import db
from app.bpm.errors import FormRejected
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _t, _user, login_required

branches_web = Blueprint("branches", __name__, template_folder="templates")


def _page(values: dict[str, str], errors: dict[str, list[str]] | None = None) -> Any:
    session = db.session()
    page = render_template(
        "branches/branches.html",
        network=branches.network(session, _user(), current_locale()),
        can_edit=can_edit_branches(_user()),
        customers=branches.all_customers(session),
        values=values,
        errors=errors or {},
    )
    return (page, 400) if errors else page


@branches_web.get("/branches")
@login_required
def branches_page() -> Any:
    return _page({})


@branches_web.post("/branches/assign")
@login_required
def assign_customer() -> Any:
    values = {"customer": request.form.get("customer", ""), "branch": request.form.get("branch", "")}
    try:
        branch = branches.assign_customer(db.session(), _user(), values["customer"], values["branch"], current_locale())
    except FormRejected as err:
        flash(_t("form.has_errors"), "error")
        return _page(values, err.errors)
    flash(_t("branches.assigned", customer=values["customer"], branch=branch.name), "success")
    return redirect(url_for("branches.branches_page"))
