"""The return process's JSON API: a branch registers a return or exchange."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.views import BadInput, _user, auth_required
from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.processes.return_exchange import service as returns
from app.processes.return_exchange.plugin import RETURN_PROCESS

return_api = Blueprint("return_exchange_api", __name__)


@return_api.post("/return-exchanges")
@auth_required
def register_return() -> Any:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadInput({"_body": ["expected a JSON object"]})
    values = {k: payload.get(k) for k in ("wanted", "reason")}
    unit = payload.get("unit_id")
    values["unit"] = str(unit) if isinstance(unit, int) and not isinstance(unit, bool) else None
    done = returns.register_return(db.session(), _user(), values, current_locale())
    body = {
        "id": done.case.id,
        "process_id": RETURN_PROCESS,
        "process_instance_id": done.instance.id,
        "branch": done.branch_name,
        "branch_group": done.instance.data.get("branch_group"),
        "status": done.case.status,
        "check_due_at": done.instance.data.get("check_due_at"),
    }
    return jsonify(body), 201


OPENAPI = OpenApiPart(
    paths={
        "/return-exchanges": {
            "post": operation(
                "Register a return or exchange at the branch serving the unit's customer: unit_id, "
                "wanted (return|exchange), reason; returns process_instance_id and the branch",
                body="ReturnIn",
            )
        }
    },
    schemas={
        "ReturnIn": {
            "type": "object",
            "required": ["unit_id", "wanted", "reason"],
            "properties": {
                "unit_id": {"type": "integer"},
                "wanted": {"enum": ["return", "exchange"]},
                "reason": {"type": "string", "maxLength": 2000},
            },
        }
    },
)
