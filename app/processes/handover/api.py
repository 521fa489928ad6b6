"""The handover's JSON API: a handover (by its instance) with the requests open when it was
checked, the unit's state and software as handed over, and the signature's facts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.views import _user, auth_required
from app.bpm.db import db
from app.processes.handover import service as handovers

handover_api = Blueprint("handover_api", __name__)


@handover_api.get("/handovers/<int:instance_id>")
@auth_required
def get_handover(instance_id: int) -> Any:
    return jsonify(handovers.dump(handovers.get_handover(db.session(), _user(), instance_id)))


OPENAPI = OpenApiPart(
    paths={
        "/handovers/{id}": {
            "get": operation(
                "A handover (by its process instance id): warranty_end, open_requests at the last check, "
                "condition, state_notes, documents, software, signer_name, handed_over_on, status",
                params=["id"],
            )
        }
    },
    schemas={},
)
