"""The approvers' API: the changes waiting for a second person, and deciding one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from app.aftersales.approvals import service as approvals
from app.aftersales.approvals.service import ChangeView
from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import _body, _user, auth_required
from app.bpm.db import db
from app.bpm.web.locale import current_locale

approvals_api = Blueprint("approvals_api", __name__)


class DecisionIn(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=approvals.REASON_MAX))


def change_out(view: ChangeView) -> dict[str, Any]:
    change = view.change
    return {
        "id": change.id,
        "kind": change.kind,
        "kind_label": view.kind_label,
        "contract_id": change.contract_id,
        "contract": view.contract_number,
        "summary": change.summary,
        "values": change.values,
        "previous": change.previous,
        "rows": [{"label": r.label, "old": r.old, "new": r.new} for r in view.rows],
        "asked_by": change.asked_by.username,
        "asked_at": change.asked_at.isoformat(),
        "decision": change.decision,
        "decided_by": change.decided_by.username if change.decided_by else None,
        "decided_at": change.decided_at.isoformat() if change.decided_at else None,
        "reason": change.reason,
        "may_decide": view.may_decide,
    }


@approvals_api.get("/changes")
@auth_required
def list_changes() -> Any:
    return jsonify([change_out(v) for v in approvals.waiting(db.session(), _user(), current_locale())])


def _decide(change_id: int, approve: bool) -> Any:
    body = _body(shared(DecisionIn))
    session, user, locale = db.session(), _user(), current_locale()
    change = approvals.decide(session, user, change_id, approve, body.get("reason"), locale)
    return jsonify(change_out(approvals.view_of(session, user, change, locale)))


@approvals_api.post("/changes/<int:change_id>/approve")
@auth_required
def approve_change(change_id: int) -> Any:
    return _decide(change_id, True)


@approvals_api.post("/changes/<int:change_id>/reject")
@auth_required
def reject_change(change_id: int) -> Any:
    return _decide(change_id, False)


OPENAPI = OpenApiPart(
    paths={
        "/changes": {"get": operation("Money and contract-terms changes waiting for a second person (approvers)")},
        "/changes/{id}/approve": {
            "post": operation("Approve a change asked by someone else: it takes effect", params=["id"])
        },
        "/changes/{id}/reject": {
            "post": operation("Reject a change with a reason: nothing changes", body="DecisionIn", params=["id"])
        },
    },
    schemas={
        "DecisionIn": {
            "type": "object",
            "properties": {"reason": {"type": "string", "maxLength": approvals.REASON_MAX}},
        }
    },
)
