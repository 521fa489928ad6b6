"""The software maintenance JSON API: an upgrade (by its instance), the campaigns that plan one
upgrade per unit of a model (bounded at entry), and a campaign with each unit's progress."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import _body, _user, auth_required
from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.processes.software_maintenance import service as upgrades

software_api = Blueprint("software_maintenance_api", __name__)


class CampaignIn(Schema):
    model = fields.String(required=True, validate=validate.Length(min=1, max=60))
    software_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    target_version = fields.String(required=True, validate=validate.Length(min=1, max=60))
    kind = fields.String(load_default="upgrade", validate=validate.OneOf(upgrades.KINDS))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


@software_api.get("/software-upgrades/<int:instance_id>")
@auth_required
def get_upgrade(instance_id: int) -> Any:
    return jsonify(upgrades.dump(upgrades.get_upgrade(db.session(), _user(), instance_id)))


@software_api.post("/software-campaigns")
@auth_required
def start_campaign() -> Any:
    body = _body(shared(CampaignIn))
    plan = upgrades.CampaignPlan(
        body["model"], body["software_name"], body["target_version"], body["kind"], body["note"]
    )
    campaign = upgrades.start_campaign(db.session(), _user(), plan, current_locale())
    return jsonify(upgrades.dump_campaign(campaign)), 201


@software_api.get("/software-campaigns/<int:campaign_id>")
@auth_required
def get_campaign(campaign_id: int) -> Any:
    return jsonify(upgrades.dump_campaign(upgrades.get_campaign(db.session(), _user(), campaign_id)))


OPENAPI = OpenApiPart(
    paths={
        "/software-upgrades/{id}": {
            "get": operation(
                "A software upgrade or patch (by its process instance id): unit, software, version_before, "
                "target_version, version_after, window agreed, engineer, test, rollback, sign-off, status",
                params=["id"],
            )
        },
        "/software-campaigns": {
            "post": operation(
                "Plan one upgrade for every unit of a model that runs the software within its maintenance period "
                "(one instance per unit; at most 100 units, else 400)",
                body="CampaignIn",
            )
        },
        "/software-campaigns/{id}": {
            "get": operation("A campaign with each unit's progress (units, progress by status)", params=["id"])
        },
    },
    schemas={
        "CampaignIn": {
            "type": "object",
            "required": ["model", "software_name", "target_version"],
            "properties": {
                "model": {"type": "string", "description": "the equipment model's code"},
                "software_name": {"type": "string", "maxLength": 100},
                "target_version": {"type": "string", "maxLength": 60},
                "kind": {"enum": list(upgrades.KINDS)},
                "note": {"type": "string", "maxLength": 2000},
            },
        }
    },
)
