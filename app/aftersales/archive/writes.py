"""The archive written through the JSON API (R1–R3): the sales system records what it sold
(customers with departments and contacts, contracts, units), operators correct it.

The API speaks its own names (`key_customer`, a model by its code, a department by its name,
`deposit`, an SLA policy as a JSON object); each use case turns them into the edit forms'
values, validates them with the same forms and writes through the same cores as the edit
pages (`editing.put_*`): the same checks, the same messages in the caller's language, the same
audit events, and the same changes asked of a second person. Errors come back under the API's
names (`contacts.0.email`). PATCH merges the fields given onto the row's current values.

A new contract's terms are in force at once, entered by one person: creating it records what
was signed, and no unit, request or ledger hangs on it yet (as on the edit page). From then on
its money and terms (deposit, warranty and maintenance years, SLA policy, inspection and
follow-up cadences), and the contract an existing unit is on, change only when someone of
another group approves (`Saved.change`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.aftersales.archive import editing, software
from app.aftersales.archive.editing import Saved
from app.aftersales.archive.models import Contract, Customer, EquipmentModel, EquipmentUnit
from app.bpm.case_facts import office_tz
from app.bpm.errors import FormRejected
from app.bpm.models import User, utcnow
from app.bpm.unit_of_work import transactional
from app.i18n import translate

# API name -> the edit form's name (the others are the same)
CUSTOMER_NAMES = {"key_customer": "is_key"}
UNIT_NAMES = {"model": "model_id", "department": "department_id"}
CONTRACT_NAMES = {"deposit": "deposit_amount"}
CONTACT_NAMES = {"department": "department_id"}
DEPARTMENT_NAME_MAX = 200


def _api_names(errors: Mapping[str, list[str]], names: Mapping[str, str], prefix: str = "") -> dict[str, list[str]]:
    back = {form: api for api, form in names.items()}
    return {f"{prefix}{back.get(field, field)}": list(messages) for field, messages in errors.items()}


@contextmanager
def _named(names: Mapping[str, str], prefix: str = "") -> Iterator[None]:
    """A refusal of the forms or the cores, under the API's field names."""
    try:
        yield
    except FormRejected as err:
        raise FormRejected(_api_names(err.errors, names, prefix)) from None


@contextmanager
def _taken(field: str, value: Any, locale: str) -> Iterator[None]:
    """Two callers sending the same serial (code, number) at the same moment both pass the
    check before writing; the database's unique index refuses the later one, reported on the
    field as the check would have (not a 500)."""
    try:
        yield
    except IntegrityError:
        raise FormRejected({field: [translate("error.duplicate", locale, value=value)]}) from None


def _form_values(data: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The API's fields under the form's names; null means "none" (the field is left out)."""
    return {names.get(key, key): value for key, value in data.items()}


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _validated(form: str, values: dict[str, Any], names: Mapping[str, str], locale: str, prefix: str = "") -> Any:
    with _named(names, prefix):
        return editing._validated(form, _given(values), locale)


# customers --------------------------------------------------------------------------------------
def _department_names(departments: list[dict[str, Any]], locale: str) -> tuple[list[str], dict[str, list[str]]]:
    names, errors = [], {}
    for index, department in enumerate(departments):
        name = str(department.get("name") or "").strip()
        if not name:
            errors[f"departments.{index}.name"] = [translate("form.required", locale)]
        elif len(name) > DEPARTMENT_NAME_MAX or "\n" in name or "\r" in name:
            errors[f"departments.{index}.name"] = [translate("form.length", locale, min=1, max=DEPARTMENT_NAME_MAX)]
        names.append(name)
    return names, errors


def _checked_contacts(contacts: list[dict[str, Any]], locale: str) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Each contact checked by the contact form (without its department, named in the API)."""
    checked, errors = [], {}
    for index, contact in enumerate(contacts):
        values = {key: value for key, value in contact.items() if key != "department"}
        try:
            clean = _validated("contact", values, CONTACT_NAMES, locale, f"contacts.{index}.")
        except FormRejected as err:
            errors.update(err.errors)
            continue
        checked.append({**clean, "department": contact.get("department")})
    return checked, errors


def _add_contacts(
    session: Session, user: User, customer: Customer, contacts: list[dict[str, Any]], locale: str
) -> None:
    """Add each contact, its department found by name among the customer's; one equal to a
    contact the customer already has is not added twice (a retried call adds nothing)."""
    by_name = {d.name: d for d in customer.departments}
    errors: dict[str, list[str]] = {}
    for index, contact in enumerate(contacts):
        name = contact.pop("department", None)
        department = by_name.get(str(name).strip()) if name else None
        if name and department is None:
            errors[f"contacts.{index}.department"] = [translate("archive.unknown_department", locale, name=name)]
            continue
        clean = {**contact, "department_id": str(department.id) if department else None}
        if not _has_contact(customer, clean):
            with _named(CONTACT_NAMES, f"contacts.{index}."):
                editing.put_contact(session, user, customer, clean, locale)
    if errors:
        raise FormRejected(errors)


def _has_contact(customer: Customer, clean: dict[str, Any]) -> bool:
    wanted = (clean["name"], clean.get("phone"), clean.get("email"), clean.get("department_id"))
    return any(
        (c.name, c.phone, c.email, str(c.department_id) if c.department_id else None) == wanted
        for c in customer.contacts
    )


def _write_customer(
    session: Session, user: User, customer: Customer | None, data: dict[str, Any], locale: str
) -> Customer:
    values = editing.customer_values(customer) if customer is not None else {}
    values.update(_form_values({k: v for k, v in data.items() if k not in ("departments", "contacts")}, CUSTOMER_NAMES))
    names, errors = _department_names(data.get("departments") or [], locale)
    values["departments"] = "\n".join(filter(None, [values.get("departments") or "", *names]))
    try:
        clean = _validated("customer", values, CUSTOMER_NAMES, locale)
    except FormRejected as err:
        errors.update(err.errors)
    contacts, contact_errors = _checked_contacts(data.get("contacts") or [], locale)
    errors.update(contact_errors)
    if errors:
        raise FormRejected(errors)
    with _named(CUSTOMER_NAMES):
        written = editing.put_customer(session, user, customer.id if customer else None, clean, locale)
    _add_contacts(session, user, written, contacts, locale)
    return written


def new_customer_code() -> str:
    """A code for a customer the caller sent without one (the sales system's own is better)."""
    return f"C-{uuid.uuid4().hex[:8].upper()}"


@transactional
def create_customer(session: Session, user: User, data: dict[str, Any], locale: str) -> Customer:
    """`{code?, name, category, key_customer, address?, notes?, departments: [{name}],
    contacts: [{name, title?, phone, email, department}]}` (a contact's department by name)."""
    editing.check_editor(user)
    data = {"code": new_customer_code(), "key_customer": False, **_given(data)}
    with _taken("code", data["code"], locale):
        customer = _write_customer(session, user, None, data, locale)
        session.commit()
    return customer


@transactional
def update_customer(session: Session, user: User, customer_id: int, data: dict[str, Any], locale: str) -> Customer:
    """The fields given change; departments and contacts given are added (none is removed:
    units and contacts point at departments)."""
    editing.check_editor(user)
    customer = editing.get_customer(session, customer_id)
    with _taken("code", data.get("code"), locale):
        written = _write_customer(session, user, customer, data, locale)
        session.commit()
    return written


# equipment units --------------------------------------------------------------------------------
def _model_id(session: Session, code: Any, errors: dict[str, list[str]], locale: str) -> str | None:
    if code is None:
        return None
    model = session.scalars(select(EquipmentModel).where(EquipmentModel.code == str(code).strip())).first()
    if model is None:
        errors["model"] = [translate("archive.unknown_model", locale, code=code)]
        return None
    return str(model.id)


def _department_id(
    session: Session, customer_id: Any, name: Any, errors: dict[str, list[str]], locale: str
) -> str | None:
    """The department by its name among the customer's (a customer that does not exist is
    refused on its own field)."""
    if name is None:
        return None
    try:
        customer = session.get(Customer, int(customer_id))
    except (TypeError, ValueError, OverflowError):
        customer = None
    if customer is None:
        return None
    found = next((d for d in customer.departments if d.name == str(name).strip()), None)
    if found is None:
        errors["department"] = [translate("archive.unknown_department", locale, name=name)]
        return None
    return str(found.id)


def _unit_values(
    session: Session, unit: EquipmentUnit | None, data: dict[str, Any], locale: str
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    values = editing.unit_values(unit)
    errors: dict[str, list[str]] = {}
    for key in ("serial", "location", "delivered_on", "installed_on", "accepted_on"):
        if key in data:
            values[key] = data[key].isoformat() if isinstance(data[key], date) else data[key]
    for key in ("customer_id", "contract_id"):
        if key in data:
            values[key] = None if data[key] is None else str(data[key])
    if "model" in data:
        values["model_id"] = _model_id(session, data["model"], errors, locale)
        if data["model"] is not None and values["model_id"] is None:
            values.pop("model_id")
    if "department" in data:
        values["department_id"] = _department_id(session, values.get("customer_id"), data["department"], errors, locale)
    return values, errors


def _write_unit(
    session: Session, user: User, unit: EquipmentUnit | None, data: dict[str, Any], locale: str
) -> Saved[EquipmentUnit]:
    values, errors = _unit_values(session, unit, data, locale)
    try:
        clean = _validated("equipment_unit", values, UNIT_NAMES, locale)
    except FormRejected as err:
        errors = {**err.errors, **errors}
    if errors:
        raise FormRejected(errors)
    with _named(UNIT_NAMES):
        return editing.put_unit(session, user, unit.id if unit else None, clean, locale)


@transactional
def create_unit(session: Session, user: User, data: dict[str, Any], locale: str) -> EquipmentUnit:
    """`{serial, model (its code), customer_id, department (its name), location, delivered_on,
    installed_on, accepted_on (null until acceptance), contract_id}`, and optionally the
    `software` it was delivered with (`[{name, version, installed_on}]`)."""
    editing.check_editor(user)
    delivered_with = list(data.pop("software", None) or [])
    if errors := software.entry_errors(delivered_with, locale):
        raise FormRejected(errors)
    with _taken("serial", data.get("serial"), locale):
        saved = _write_unit(session, user, None, data, locale)
        software.add_initial(session, saved.row.id, delivered_with)
        session.commit()
    return saved.row


@transactional
def update_unit(session: Session, user: User, unit_id: int, data: dict[str, Any], locale: str) -> Saved[EquipmentUnit]:
    """The fields given change at once, but for the unit's contract: a move asks a second person."""
    editing.check_editor(user)
    unit = editing.get_unit(session, unit_id)
    with _taken("serial", data.get("serial"), locale):
        saved = _write_unit(session, user, unit, data, locale)
        session.commit()
    return saved


# contracts --------------------------------------------------------------------------------------
def _contract_values(contract: Contract | None, data: dict[str, Any]) -> dict[str, Any]:
    values = editing.contract_values(contract)
    if contract is None:  # what the seed's contracts say, unless the call says otherwise
        values.pop("deposit_amount")
        values.pop("warranty_years")
        values["signed_on"] = utcnow().astimezone(office_tz()).date().isoformat()
    for key, value in _form_values(data, CONTRACT_NAMES).items():
        if key == "sla_policy" and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        elif key == "customer_id" and value is not None:
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif key == "deposit_amount" and value is not None:
            value = float(value)
        values[key] = value
    return values


def _write_contract(
    session: Session, user: User, contract: Contract | None, data: dict[str, Any], locale: str
) -> Saved[Contract]:
    clean = _validated("contract", _contract_values(contract, data), CONTRACT_NAMES, locale)
    with _named(CONTRACT_NAMES):
        return editing.put_contract(session, user, contract.id if contract else None, clean, locale)


@transactional
def create_contract(session: Session, user: User, data: dict[str, Any], locale: str) -> Contract:
    """`{number, customer_id, signed_on (today), warranty_years, maintenance_years (2), deposit,
    sla_policy (the seed's), inspection_every, follow_up_every (P3M)}`: in force at once."""
    editing.check_editor(user)
    with _taken("number", data.get("number"), locale):
        saved = _write_contract(session, user, None, data, locale)
        session.commit()
    return saved.row


@transactional
def update_contract(
    session: Session, user: User, contract_id: int, data: dict[str, Any], locale: str
) -> Saved[Contract]:
    """Number, customer and signing date change at once; the terms given that differ are asked
    of a second person (one waiting terms change per contract)."""
    editing.check_editor(user)
    contract = editing.get_contract(session, contract_id)
    with _taken("number", data.get("number"), locale):
        saved = _write_contract(session, user, contract, data, locale)
        session.commit()
    return saved
