"""The archive's JSON API: equipment units with their warranty and history, customers, a
contract's deposit ledger; and the archive's writes (the sales system creates what it sold:
POST/PATCH customers, equipment, contracts), parsed at the edge with marshmallow (messages in
the caller's language) and written by `app.aftersales.archive.writes`."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, jsonify, request
from marshmallow import INCLUDE, Schema, ValidationError, fields

from app.aftersales.approvals import service as approvals
from app.aftersales.approvals.api import change_out
from app.aftersales.archive import editing as archive_edit
from app.aftersales.archive import service as archive
from app.aftersales.archive import writes
from app.aftersales.warehouse.api import MovementOut
from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import _body, _user, auth_required
from app.bpm.db import db
from app.bpm.errors import FormRejected
from app.bpm.modules import contributions
from app.bpm.web.locale import current_locale
from app.i18n import translate

archive_api = Blueprint("archive_api", __name__)
ID_MAX = 2**31 - 1


class EquipmentOut(Schema):
    id = fields.Function(lambda v: v.unit.id)
    serial = fields.Function(lambda v: v.unit.serial)
    model = fields.Function(lambda v: {"code": v.unit.model.code, "name": v.unit.model.name, "kind": v.unit.model.kind})
    customer = fields.Function(lambda v: {"id": v.unit.customer.id, "name": v.unit.customer.name})
    department = fields.Function(lambda v: v.unit.department.name if v.unit.department else None)
    location = fields.Function(lambda v: v.unit.location)
    contract = fields.Function(lambda v: v.unit.contract.number if v.unit.contract else None)
    delivered_on = fields.Function(lambda v: v.unit.delivered_on.isoformat() if v.unit.delivered_on else None)
    installed_on = fields.Function(lambda v: v.unit.installed_on.isoformat() if v.unit.installed_on else None)
    accepted_on = fields.Function(lambda v: v.unit.accepted_on.isoformat() if v.unit.accepted_on else None)
    contract_id = fields.Function(lambda v: v.unit.contract_id)
    warranty_end = fields.Function(lambda v: v.coverage.warranty_end.isoformat() if v.coverage.warranty_end else None)
    in_warranty = fields.Function(lambda v: v.in_warranty)
    spare_parts_until = fields.Function(
        lambda v: v.coverage.spare_parts_until.isoformat() if v.coverage.spare_parts_until else None
    )


def _name(user: Any) -> str | None:
    return user.username if user is not None else None


class LedgerLineOut(Schema):
    """A deposit ledger line: approved (in the balance) or pending, who asked and approved, when."""

    at = fields.AwareDateTime()
    amount = fields.Decimal(as_string=True)
    reason = fields.String()
    request_id = fields.Integer(allow_none=True)
    status = fields.String()
    asked_by = fields.Function(lambda e: _name(e.asked_by))
    asked_at = fields.AwareDateTime(allow_none=True)
    approved_by = fields.Function(lambda e: _name(e.approved_by))
    approved_at = fields.AwareDateTime(allow_none=True)


class CustomerOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    category = fields.String()
    is_key = fields.Boolean()
    departments = fields.Function(lambda c: [d.name for d in c.departments])


@archive_api.get("/equipment")
@auth_required
def list_equipment() -> Any:
    units = archive.search_equipment(
        db.session(), _user(), request.args.get("q"), request.args.get("customer_id", type=int)
    )
    return jsonify(shared(EquipmentOut, many=True).dump(units))


@archive_api.get("/equipment/<int:unit_id>")
@auth_required
def get_equipment(unit_id: int) -> Any:
    session = db.session()
    history = archive.unit_history(session, _user(), unit_id, contributions("unit_history"))
    body: dict[str, Any] = shared(EquipmentOut).dump(history.view)
    body["process_instances"] = [
        {"id": i.id, "process_id": i.process_id, "status": i.status} for i in history.instances
    ]
    for section in history.sections:
        body.update(section.api)
    body["parts"] = shared(MovementOut, many=True).dump(history.parts)
    body["correspondence"] = [
        {"number": c.number, "direction": c.direction, "subject": c.subject, "at": c.at.isoformat()}
        for c in archive_edit.unit_correspondence(session, unit_id)
    ]
    return jsonify(body)


@archive_api.get("/customers")
@auth_required
def list_customers() -> Any:
    return jsonify(shared(CustomerOut, many=True).dump(archive.list_customers(db.session(), _user())))


@archive_api.get("/contracts/<int:contract_id>/deposit")
@auth_required
def deposit_ledger(contract_id: int) -> Any:
    ledger = archive.deposit_ledger(db.session(), _user(), contract_id)
    return jsonify(
        {
            "contract": ledger.contract.number,
            "deposit": str(ledger.contract.deposit_amount),
            "balance": str(ledger.balance),
            "pending": str(ledger.pending),
            "entries": shared(LedgerLineOut, many=True).dump(ledger.entries),
        }
    )


# the archive's writes ----------------------------------------------------------------------------
class _Id(fields.Integer):
    """A row's id: a whole number a database column holds."""

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if not 1 <= number <= ID_MAX:
            raise self.make_error("invalid", input=value)
        return number


def _optional_text() -> fields.String:
    return fields.String(allow_none=True)


class DepartmentIn(Schema):
    name = fields.String(required=True)


class ContactIn(Schema):
    name = fields.String(required=True)
    title = _optional_text()
    phone = _optional_text()
    email = _optional_text()
    department = _optional_text()  # the department's name


class CustomerIn(Schema):
    code = _optional_text()  # given one when left out
    name = fields.String(required=True)
    category = fields.String(required=True)
    key_customer = fields.Boolean()
    address = _optional_text()
    notes = _optional_text()
    departments = fields.List(fields.Nested(DepartmentIn))
    contacts = fields.List(fields.Nested(ContactIn))


class EquipmentIn(Schema):
    serial = fields.String(required=True)
    model = fields.String(required=True)  # the model's code
    customer_id = _Id(required=True, strict=True)
    department = _optional_text()  # the name of one of the customer's departments
    location = _optional_text()
    delivered_on = fields.Date(allow_none=True)
    installed_on = fields.Date(allow_none=True)
    accepted_on = fields.Date(allow_none=True)  # null until final acceptance
    contract_id = _Id(strict=True, allow_none=True)


class SoftwareIn(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    installed_on = fields.Date(allow_none=True)


class EquipmentCreateIn(EquipmentIn):
    """A new unit may come with the software it was delivered with (changed later by upgrades;
    lengths and count checked by `writes.create_unit`, refused in the caller's language)."""

    software = fields.List(fields.Nested(SoftwareIn), load_default=list)


class ContractIn(Schema):
    number = fields.String(required=True)
    customer_id = _Id(required=True, strict=True)
    signed_on = fields.Date()  # today when left out
    warranty_years = fields.Integer(required=True, strict=True)
    maintenance_years = fields.Integer(strict=True)  # 2 when left out
    deposit = fields.Decimal(required=True, allow_nan=False)
    sla_policy = fields.Dict(keys=fields.String())  # the seed's when left out
    inspection_every = fields.String()  # ISO 8601 period, P3M when left out
    follow_up_every = fields.String()


class _AnyObject(Schema):
    class Meta:
        unknown = INCLUDE


_EDGE_MESSAGES = {
    "required": "form.required",
    "null": "form.required",
    "invalid": "form.invalid",
    "type": "form.invalid",
    "format": "form.invalid",
    "too_large": "form.invalid",
    "special": "form.invalid",
    "invalid_utf8": "form.invalid",
    "unknown": "form.unknown",
}


def _localize_field(field: fields.Field[Any], locale: str) -> None:
    field.error_messages = {
        **field.error_messages,
        **{key: translate(msg, locale) for key, msg in _EDGE_MESSAGES.items() if key in field.error_messages},
    }
    if isinstance(field, fields.List):
        _localize_field(field.inner, locale)
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        _localize_schema(field.schema, locale)


def _localize_schema(schema: Schema, locale: str) -> None:
    schema.error_messages = {
        **schema.error_messages,
        "unknown": translate("form.unknown", locale),
        "type": translate("form.invalid", locale),
    }
    for field in schema.fields.values():
        _localize_field(field, locale)


@cache
def _edge(schema: type[Schema], locale: str) -> Schema:
    """The schema with its messages in `locale` (one instance per schema and language)."""
    instance = schema()
    _localize_schema(instance, locale)
    return instance


def _flat(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as one list per field: `contacts.0.email`."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flat(value, name))
        return flat
    return {prefix or "_schema": [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]}


def _write_body(schema: type[Schema], partial: bool = False) -> dict[str, Any]:
    """The JSON object (the platform's checks of size and depth), loaded by `schema` with the
    messages in the caller's language; PATCH: any subset of the fields."""
    raw = _body(shared(_AnyObject))
    try:
        loaded: dict[str, Any] = _edge(schema, current_locale()).load(raw, partial=partial)
    except ValidationError as err:
        raise FormRejected(_flat(err.messages)) from None
    return loaded


def _department_of(contact: Any) -> str | None:
    return next((d.name for d in contact.customer.departments if d.id == contact.department_id), None)


class DepartmentOut(Schema):
    id = fields.Integer()
    name = fields.String()


class ContactOut(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    department = fields.Function(_department_of)


class CustomerDetailOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    category = fields.String()
    key_customer = fields.Function(lambda c: c.is_key)
    is_key = fields.Boolean()
    address = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    departments = fields.List(fields.Nested(DepartmentOut))
    contacts = fields.List(fields.Nested(ContactOut))


class ContractOut(Schema):
    id = fields.Integer()
    number = fields.String()
    customer_id = fields.Integer()
    customer = fields.Function(lambda k: k.customer.name)
    signed_on = fields.Date()
    warranty_years = fields.Integer()
    maintenance_years = fields.Integer()
    deposit = fields.Decimal(attribute="deposit_amount", as_string=True)
    sla_policy = fields.Dict()
    inspection_every = fields.String()
    follow_up_every = fields.String()
    part_prices = fields.Function(lambda k: dict(archive_edit.contract_prices(k)))


def _unit_out(unit_id: int) -> dict[str, Any]:
    body: dict[str, Any] = shared(EquipmentOut).dump(archive.get_unit(db.session(), unit_id))
    return body


def _waiting(change: Any, current: dict[str, Any]) -> Any:
    """202: the change waiting for a second person, and the object as it stands meanwhile."""
    view = approvals.view_of(db.session(), _user(), change, current_locale())
    return jsonify({**change_out(view), "current": current}), 202


@archive_api.post("/customers")
@auth_required
def create_customer() -> Any:
    archive_edit.check_editor(_user())  # 403 before any word on the body
    body = _write_body(CustomerIn)
    customer = writes.create_customer(db.session(), _user(), body, current_locale())
    return jsonify(shared(CustomerDetailOut).dump(customer)), 201


@archive_api.get("/customers/<int:customer_id>")
@auth_required
def get_customer(customer_id: int) -> Any:
    return jsonify(shared(CustomerDetailOut).dump(archive_edit.get_customer(db.session(), customer_id)))


@archive_api.patch("/customers/<int:customer_id>")
@auth_required
def update_customer(customer_id: int) -> Any:
    archive_edit.check_editor(_user())  # 403 before any word on the body
    body = _write_body(CustomerIn, partial=True)
    customer = writes.update_customer(db.session(), _user(), customer_id, body, current_locale())
    return jsonify(shared(CustomerDetailOut).dump(customer))


@archive_api.post("/equipment")
@auth_required
def create_equipment() -> Any:
    archive_edit.check_editor(_user())  # 403 before any word on the body
    body = _write_body(EquipmentCreateIn)
    unit = writes.create_unit(db.session(), _user(), body, current_locale())
    return jsonify(_unit_out(unit.id)), 201


@archive_api.patch("/equipment/<int:unit_id>")
@auth_required
def update_equipment(unit_id: int) -> Any:
    archive_edit.check_editor(_user())  # 403 before any word on the body
    body = _write_body(EquipmentIn, partial=True)
    saved = writes.update_unit(db.session(), _user(), unit_id, body, current_locale())
    if saved.change is not None:
        return _waiting(saved.change, _unit_out(unit_id))
    return jsonify(_unit_out(unit_id))


@archive_api.post("/contracts")
@auth_required
def create_contract() -> Any:
    archive_edit.check_editor(_user())  # 403 before any word on the body
    body = _write_body(ContractIn)
    contract = writes.create_contract(db.session(), _user(), body, current_locale())
    return jsonify(shared(ContractOut).dump(contract)), 201


@archive_api.get("/contracts/<int:contract_id>")
@auth_required
def get_contract(contract_id: int) -> Any:
    return jsonify(shared(ContractOut).dump(archive.contract_with_terms(db.session(), _user(), contract_id)))


@archive_api.patch("/contracts/<int:contract_id>")
@auth_required
def update_contract(contract_id: int) -> Any:
    archive_edit.check_editor(_user())  # 403 before any word on the body
    body = _write_body(ContractIn, partial=True)
    saved = writes.update_contract(db.session(), _user(), contract_id, body, current_locale())
    current = shared(ContractOut).dump(saved.row)
    if saved.change is not None:
        return _waiting(saved.change, current)
    return jsonify(current)


def _write(summary: str, body: str, status: str, params: list[str] | None = None) -> dict[str, Any]:
    """A write: its success status, 400 per field, 403 for those who may not edit the archive,
    404 for an unknown id in the path; 202 when it waits for a second person."""
    op = operation(summary, body=body, params=params)
    error = {"$ref": "#/components/responses/Error"}
    responses = {key: value for key, value in op["responses"].items() if key != "200"}
    op["responses"] = {status: {"description": "OK"}, **responses, "403": error, "404": error}
    return op


def _patch(summary: str, body: str, waits: bool) -> dict[str, Any]:
    op = _write(summary, body, "200", ["id"])
    if waits:
        op["responses"]["202"] = {
            "description": "The change waits for a second person of another group: the pending change"
            " (as GET /changes lists it, approve with POST /changes/{id}/approve) with `current`, the"
            " object as it stands meanwhile (fields that need no approval already changed)"
        }
    return op


_NULLABLE_STRING = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date"}
_CADENCE = {
    "type": "string",
    "description": "ISO 8601 period of years, months, weeks or days, from one month to two years (P3M, P1Y)",
    "default": "P3M",
}
WRITE_SCHEMAS: dict[str, Any] = {
    "CustomerIn": {
        "type": "object",
        "description": "PATCH: any of the fields; departments and contacts given are added",
        "required": ["name", "category"],
        "additionalProperties": False,
        "properties": {
            "code": {"type": ["string", "null"], "maxLength": 40, "description": "given one when left out"},
            "name": {"type": "string", "maxLength": 200},
            "category": {"enum": ["hospital", "government", "school", "enterprise", "other"]},
            "key_customer": {"type": "boolean", "default": False},
            "address": _NULLABLE_STRING,
            "notes": _NULLABLE_STRING,
            "departments": {
                "type": "array",
                "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
            },
            "contacts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string"},
                        "title": _NULLABLE_STRING,
                        "phone": _NULLABLE_STRING,
                        "email": {"type": ["string", "null"], "format": "email"},
                        "department": {"type": ["string", "null"], "description": "a department's name"},
                    },
                },
            },
        },
    },
    "EquipmentIn": {
        "type": "object",
        "description": "PATCH: any of the fields; a new contract_id of an existing unit waits for approval (202)",
        "required": ["serial", "model", "customer_id"],
        "additionalProperties": False,
        "properties": {
            "serial": {"type": "string", "maxLength": 80, "description": "unique"},
            "model": {"type": "string", "description": "the model's code, e.g. MFP-C3000"},
            "customer_id": {"type": "integer"},
            "department": {"type": ["string", "null"], "description": "the name of one of the customer's departments"},
            "location": _NULLABLE_STRING,
            "delivered_on": _DATE,
            "installed_on": _DATE,
            "accepted_on": {**_DATE, "description": "final acceptance; null until then"},
            "contract_id": {"type": ["integer", "null"], "description": "one of the customer's contracts"},
            "software": {
                "type": "array",
                "maxItems": 50,
                "description": "POST only: the software the unit was delivered with (later changed by upgrades)",
                "items": {
                    "type": "object",
                    "required": ["name", "version"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 100},
                        "version": {"type": "string", "maxLength": 60},
                        "installed_on": _DATE,
                    },
                },
            },
        },
    },
    "ContractIn": {
        "type": "object",
        "description": "POST: the terms are in force at once (recording what was signed). PATCH: number, customer"
        " and signed_on change at once; deposit, warranty_years, maintenance_years, sla_policy, inspection_every"
        " and follow_up_every wait for a second person of another group (202)",
        "required": ["number", "customer_id", "warranty_years", "deposit"],
        "additionalProperties": False,
        "properties": {
            "number": {"type": "string", "maxLength": 60},
            "customer_id": {"type": "integer"},
            "signed_on": {"type": "string", "format": "date", "description": "today when left out"},
            "warranty_years": {"type": "integer", "minimum": 1, "maximum": 10},
            "maintenance_years": {"type": "integer", "minimum": 1, "maximum": 10, "default": 2},
            "deposit": {"type": ["number", "string"], "minimum": 0, "maximum": 10000000},
            "sla_policy": {"type": "object", "description": "the seed's policy when left out"},
            "inspection_every": _CADENCE,
            "follow_up_every": _CADENCE,
        },
    },
}


OPENAPI = OpenApiPart(
    paths={
        "/equipment": {
            "get": operation("Equipment units (?q= serial, model or customer; ?customer_id=) with warranty"),
            "post": _write("Record a unit that was sold (201: the unit with its id)", "EquipmentIn", "201"),
        },
        "/equipment/{id}": {
            "get": operation("One unit with its warranty and the history the caller may see", params=["id"]),
            "patch": _patch("Change a unit; moving it to another contract waits for approval", "EquipmentIn", True),
        },
        "/contracts": {
            "post": _write("Record a signed contract (201: the contract with its id)", "ContractIn", "201"),
        },
        "/contracts/{id}": {
            "get": operation("A contract with its terms (those who may read terms)", params=["id"]),
            "patch": _patch("Change a contract; its money and terms wait for approval", "ContractIn", True),
        },
        "/contracts/{id}/deposit": {
            "get": operation(
                "The contract's warranty deposit ledger: approved and pending entries, who asked and who approved,"
                " the balance (approved only) and the deductions waiting",
                params=["id"],
            )
        },
        "/customers": {
            "get": operation("Customers, key customers first"),
            "post": _write("Record a customer with its departments and contacts (201)", "CustomerIn", "201"),
        },
        "/customers/{id}": {
            "get": operation("A customer with its departments and contacts", params=["id"]),
            "patch": _patch("Change a customer's fields; add departments and contacts", "CustomerIn", False),
        },
    },
    schemas=WRITE_SCHEMAS,
)
