"""The obligations page: due, met and overdue per customer and unit, with the evidence."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request

from app.aftersales.obligations import service as obligations
from app.bpm import users
from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _user, login_required

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
