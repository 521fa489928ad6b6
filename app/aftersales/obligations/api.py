"""The obligations' JSON API (API.md): `GET /obligations?customer_id=&unit_id=&status=` and one
obligation with its periods and their evidence."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate

from app.aftersales.obligations import service as obligations
from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import BadInput, _user, auth_required
from app.bpm.db import db

obligations_api = Blueprint("obligations_api", __name__)


class ObligationArgs(Schema):
    customer_id = fields.Integer(load_default=None, validate=validate.Range(min=1))
    unit_id = fields.Integer(load_default=None, validate=validate.Range(min=1))
    status = fields.String(load_default=None, validate=validate.OneOf(obligations.PERIOD_STATUSES))
    kind = fields.String(load_default=None, validate=validate.Length(max=40))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _row_json(r: obligations.ObligationRow) -> dict[str, Any]:
    """One row of `GET /obligations` (a plain mapping: a list of 200 rows is read often)."""
    o, p = r.obligation, r.period
    return {
        "id": o.id,
        "period_id": p.id if p else None,
        "kind": o.kind,
        "customer_id": o.customer_id,
        "unit_id": o.unit_id,
        "period": p.label if p else None,
        "due_at": _iso(p.due_at) if p else None,
        "due_on": _iso(p.due_on) if p else None,
        "last_met_at": _iso(o.last_met_on),
        "status": r.status,
        "evidence_instance_id": p.met_instance_id if p else None,
        "opened_instance_id": p.opened_instance_id if p else None,
        "escalation_instance_id": p.escalation_instance_id if p else None,
    }


class PeriodOut(Schema):
    id = fields.Integer()
    starts_on = fields.Date()
    last_day = fields.Date()
    period = fields.String(attribute="label")
    due_on = fields.Date()
    due_at = fields.AwareDateTime()
    status = fields.String()
    met_at = fields.AwareDateTime(allow_none=True)
    evidence_instance_id = fields.Integer(attribute="met_instance_id", allow_none=True)
    opened_instance_id = fields.Integer(allow_none=True)
    escalated_to = fields.String(allow_none=True)
    escalation_instance_id = fields.Integer(allow_none=True)


def _query() -> obligations.ObligationQuery:
    try:
        args = shared(ObligationArgs).load(request.args.to_dict())
    except ValidationError as err:
        raise BadInput(err.normalized_messages()) from None  # type: ignore[no-untyped-call]
    return obligations.ObligationQuery(**args)


@obligations_api.get("/obligations")
@auth_required
def list_obligations() -> Any:
    rows = obligations.list_obligations(db.session(), _user(), _query())
    return jsonify([_row_json(r) for r in rows])


@obligations_api.get("/obligations/<int:obligation_id>")
@auth_required
def get_obligation(obligation_id: int) -> Any:
    obligation, periods = obligations.periods_of(db.session(), _user(), obligation_id)
    return jsonify(
        {
            "id": obligation.id,
            "kind": obligation.kind,
            "customer_id": obligation.customer_id,
            "unit_id": obligation.unit_id,
            "every": obligation.every,
            "last_met_at": _iso(obligation.last_met_on),
            "periods": shared(PeriodOut, many=True).dump(periods),
        }
    )


OPENAPI = OpenApiPart(
    paths={
        "/obligations": {
            "get": operation(
                "The recurring promises (?customer_id=&unit_id=&status=due|met|overdue&kind=): each with its"
                " current period, due date, last met, and the instances that met, opened or escalated it"
            )
        },
        "/obligations/{id}": {"get": operation("One promise with its periods and their evidence", params=["id"])},
    },
)
