"""The obligations page: due, met and overdue per customer and unit, with the evidence."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.aftersales.obligations import service as obligations
from app.aftersales.policies import can_edit_obligation_rules
from app.bpm import users
from app.bpm.db import db
from app.bpm.errors import FormRejected
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _t, _user, login_required

obligations_web = Blueprint("obligations", __name__, template_folder="templates")


@obligations_web.app_context_processor
def _group_name() -> dict[str, Any]:
    """`group_name(id)`: a group's name in the reader's language (escalations name the group);
    `kind_label(code)`: a kind's name (the catalogue's, or the one its rule's data gives)."""

    def group_name(group_id: str) -> str:
        names = g.get("obligation_group_names")
        if names is None:
            names = g.obligation_group_names = users.group_names(db.session(), current_locale())
        return str(names.get(group_id, group_id))

    def kind_label(code: str) -> str:
        labels = g.get("obligation_kind_labels")
        if labels is None:
            labels = g.obligation_kind_labels = obligations.kind_labels(db.session(), current_locale())
        return str(labels.get(code, code))

    return {"group_name": group_name, "kind_label": kind_label}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and value > 0 else None


@obligations_web.get("/obligations")
@login_required
def obligations_page() -> Any:
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    query = obligations.ObligationQuery(
        customer_id=_int_arg("customer_id"),
        unit_id=_int_arg("unit_id"),
        status=status if status in obligations.PERIOD_STATUSES else None,
        kind=kind if kind in obligations.kind_codes(db.session()) else None,
    )
    rows = obligations.list_obligations(db.session(), _user(), query)
    return render_template(
        "obligations/obligations.html",
        rows=rows,
        query=query,
        statuses=obligations.PERIOD_STATUSES,
        kinds=obligations.kind_codes(db.session()),
        customers=obligations.customers_bound(db.session()),
    )


@obligations_web.get("/obligations/<int:obligation_id>")
@login_required
def obligation_page(obligation_id: int) -> Any:
    obligation, periods = obligations.periods_of(db.session(), _user(), obligation_id)
    subject = obligations.subject_names(db.session(), obligation)
    return render_template("obligations/obligation.html", obligation=obligation, periods=periods, subject=subject)


@obligations_web.route("/obligations/rules", methods=["GET", "POST"])
@login_required
def rules_page() -> Any:
    session = db.session()
    errors: dict[str, dict[str, list[str]]] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        code = request.form.get("code", "")
        typed[code] = request.form.get("rule", "")
        try:
            obligations.change_rule(
                session, _user(), code, typed[code], request.form.get("active") == "on", current_locale()
            )
        except FormRejected as err:
            errors[code] = err.errors
            flash(_t("form.has_errors"), "error")
        else:
            flash(_t("obligation.rule_saved"), "success")
            return redirect(url_for("obligations.rules_page"))
    kinds = obligations.kinds_for_editing(session, _user())
    page = render_template(
        "obligations/rules.html",
        kinds=kinds,
        texts={k.code: typed.get(k.code) or json.dumps(k.rule, ensure_ascii=False, indent=2) for k in kinds},
        errors=errors,
        may_edit=can_edit_obligation_rules(_user()),
    )
    return (page, 400) if errors else page
