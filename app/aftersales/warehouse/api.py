"""The warehouse's JSON API: stock with minimums, receiving parts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from app.aftersales.warehouse import service as warehouse
from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import _body, _user, auth_required
from app.bpm.db import db

warehouse_api = Blueprint("warehouse_api", __name__)


class PartIn(Schema):
    part_code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))


class MovementOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    part_code = fields.Function(lambda m: m.part.code)
    part_name = fields.Function(lambda m: m.part.name)
    quantity = fields.Integer()
    charge = fields.Decimal(as_string=True)
    at = fields.AwareDateTime()
    request_id = fields.Integer(allow_none=True)


class PartOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    unit_cost = fields.Decimal(as_string=True)
    on_hand = fields.Integer()
    minimum = fields.Integer()
    below_minimum = fields.Function(lambda p: p.on_hand < p.minimum)


@warehouse_api.get("/spare-parts")
@auth_required
def list_parts() -> Any:
    return jsonify(shared(PartOut, many=True).dump(warehouse.list_parts(db.session())))


@warehouse_api.post("/spare-parts/receive")
@auth_required
def receive_part() -> Any:
    body = _body(shared(PartIn))
    movement = warehouse.receive_part(db.session(), _user(), body["part_code"], body["quantity"])
    return jsonify(shared(MovementOut).dump(movement)), 201


OPENAPI = OpenApiPart(
    paths={
        "/spare-parts": {"get": operation("Warehouse stock with minimums")},
        "/spare-parts/receive": {"post": operation("Replenish stock: part_code, quantity", body="PartIn")},
    },
    schemas={
        "PartIn": {
            "type": "object",
            "required": ["part_code", "quantity"],
            "properties": {
                "part_code": {"type": "string"},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 1000},
            },
        },
    },
)
