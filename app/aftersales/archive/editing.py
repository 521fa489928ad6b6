"""Keeping the archive current (R1–R3): customers with departments and contacts, equipment
units, contracts with their SLA policy. Each edit form is a JSON Schema form (forms/ beside this module),
validated like a task form, with the database's own checks (unique codes, existing references,
a usable SLA policy) reported on the field they concern.

Each write has a core (`put_customer`, `put_contact`, `put_unit`, `put_contract`) that checks
and changes within the caller's unit of work; the edit pages' `save_*` and the JSON API's
`app.aftersales.archive.writes` both go through them, so a page and the API refuse the same
input with the same messages, and both ask the same changes of a second person."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.aftersales.approvals import service as approvals
from app.aftersales.approvals.models import PendingChange
from app.aftersales.archive import terms
from app.aftersales.archive.cadence import DEFAULT as DEFAULT_CADENCE
from app.aftersales.archive.cadence import STANDARD as STANDARD_CADENCES
from app.aftersales.archive.cadence import CadenceError, cadence_label, normalized, parse_cadence
from app.aftersales.archive.models import (
    Contact,
    Contract,
    Correspondence,
    Customer,
    CustomerDepartment,
    EquipmentModel,
    EquipmentUnit,
)
from app.aftersales.policies import can_edit_archive
from app.aftersales.rules.sla import SEED_POLICY, PolicyError, SlaPolicy
from app.aftersales.warehouse.models import SparePart
from app.bpm import audit
from app.bpm.errors import Forbidden, FormRejected, NotFound
from app.bpm.forms import FormDefinition, load_form, read_forms_dir, validate_form_data
from app.bpm.models import User, utcnow
from app.bpm.plugins import Choices
from app.bpm.unit_of_work import transactional
from app.i18n import translate

FORMS_DIR = Path(__file__).parent / "forms"
DATE_SKEW = timedelta(days=1)  # a date "today" in the office may be tomorrow in UTC
R = TypeVar("R")


@dataclass(frozen=True)
class Saved(Generic[R]):
    """What a write did: the row as it now stands, and the change it asked of a second person
    (new terms of an existing contract, an existing unit's move to another contract), if any."""

    row: R
    change: PendingChange | None = None


@lru_cache(maxsize=1)
def forms() -> dict[str, FormDefinition]:
    return {name: load_form(name, doc["schema"], doc["ui"]) for name, doc in read_forms_dir(FORMS_DIR).items()}


def check_editor(user: User) -> None:
    """Forbidden unless the user may edit the archive (the edit pages ask before showing a form)."""
    if not can_edit_archive(user):
        raise Forbidden("error.forbidden")


ID_MAX = 2**31 - 1  # an id column holds no more (a larger one in a path is simply not found)


def _row(session: Session, model: Any, row_id: int) -> Any:
    row = session.get(model, row_id) if 0 < row_id <= ID_MAX else None
    if row is None:
        raise NotFound("error.not_found")
    return row


def get_customer(session: Session, customer_id: int) -> Customer:
    """A customer by id; 404 when there is none."""
    found: Customer = _row(session, Customer, customer_id)
    return found


def get_unit(session: Session, unit_id: int) -> EquipmentUnit:
    found: EquipmentUnit = _row(session, EquipmentUnit, unit_id)
    return found


def get_contract(session: Session, contract_id: int) -> Contract:
    found: Contract = _row(session, Contract, contract_id)
    return found


def _validated(form_name: str, data: dict[str, Any], locale: str) -> dict[str, Any]:
    clean, errors = validate_form_data(forms()[form_name], data, locale)
    if errors:
        raise FormRejected(errors)
    return clean


def _reference(session: Session, model: Any, value: Any, field: str, locale: str, required: bool = True) -> Any:
    """An id chosen in a select (or sent to the API): the row, or a field error."""
    if value in (None, ""):
        if required:
            raise FormRejected({field: [translate("form.required", locale)]})
        return None
    try:
        row = session.get(model, int(value))
    except (TypeError, ValueError, OverflowError):
        row = None
    if row is None:
        raise FormRejected({field: [translate("archive.no_such", locale)]})
    return row


def _unique(session: Session, column: Any, value: str, current_id: int | None, field: str, locale: str) -> None:
    owner = session.scalars(select(column.class_).where(column == value)).first()
    if owner is not None and owner.id != current_id:
        raise FormRejected({field: [translate("error.duplicate", locale, value=value)]})


def _record(
    session: Session, user: User, action: str, before: dict[str, Any], after: dict[str, Any], subject: dict[str, Any]
) -> None:
    """An audit event of what changed (old and new values) on the row `subject` names."""
    old, new = audit.data_diff(before, after)
    if old or new:
        audit.record(session, action, user, utcnow(), before=old, after=new, details=subject)


# customers --------------------------------------------------------------------------------
def customer_values(customer: Customer | None) -> dict[str, Any]:
    if customer is None:
        return {"category": "enterprise", "is_key": False}
    return {
        "code": customer.code,
        "name": customer.name,
        "category": customer.category,
        "is_key": customer.is_key,
        "address": customer.address,
        "departments": "\n".join(d.name for d in customer.departments),
        "notes": customer.notes,
    }


@transactional
def save_customer(session: Session, user: User, customer_id: int | None, data: dict[str, Any], locale: str) -> Customer:
    """Create or update a customer from its edit page."""
    check_editor(user)
    customer = put_customer(session, user, customer_id, _validated("customer", data, locale), locale)
    session.commit()
    return customer


def put_customer(session: Session, user: User, customer_id: int | None, clean: dict[str, Any], locale: str) -> Customer:
    """Create or update a customer from the customer form's clean values; departments are one
    per line (existing ones are kept, since units and contacts point at them). No commit."""
    customer = Customer() if customer_id is None else session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("error.not_found")
    _unique(session, Customer.code, clean["code"], customer.id, "code", locale)
    before = customer_values(customer) if customer_id else {}
    customer.code, customer.name = clean["code"], clean["name"]
    customer.category, customer.is_key = clean["category"], clean["is_key"]
    customer.address, customer.notes = clean.get("address"), clean.get("notes")
    if customer_id is None:
        session.add(customer)
    have = {d.name for d in customer.departments}
    for line in str(clean.get("departments") or "").splitlines():
        name = line.strip()[:200]
        if name and name not in have:
            customer.departments.append(CustomerDepartment(name=name))
            have.add(name)
    session.flush()
    _record(session, user, "customer_saved", before, customer_values(customer), {"customer_id": customer.id})
    return customer


def contact_choices(customer: Customer) -> Choices:
    return {"department_id": [(str(d.id), d.name) for d in customer.departments]}


@transactional
def add_contact(session: Session, user: User, customer_id: int, data: dict[str, Any], locale: str) -> Contact:
    check_editor(user)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("error.not_found")
    contact = put_contact(session, user, customer, _validated("contact", data, locale), locale)
    session.commit()
    return contact


def put_contact(session: Session, user: User, customer: Customer, clean: dict[str, Any], locale: str) -> Contact:
    """Add a contact from the contact form's clean values. No commit."""
    department = _reference(session, CustomerDepartment, clean.get("department_id"), "department_id", locale, False)
    if department is not None and department.customer_id != customer.id:
        raise FormRejected({"department_id": [translate("form.choice", locale)]})
    contact = Contact(
        customer_id=customer.id,
        department_id=department.id if department else None,
        name=clean["name"],
        title=clean.get("title"),
        phone=clean.get("phone"),
        email=clean.get("email"),
    )
    customer.contacts.append(contact)
    session.flush()
    details = {"customer_id": customer.id, "contact_id": contact.id}
    _record(session, user, "contact_added", {}, {"customer": customer.code, "name": contact.name}, details)
    return contact


# equipment units ----------------------------------------------------------------------------
def unit_choices(session: Session) -> Choices:
    customers = session.scalars(select(Customer).order_by(Customer.name)).all()
    return {
        "model_id": [(str(m.id), f"{m.name} ({m.code})") for m in session.scalars(select(EquipmentModel))],
        "customer_id": [(str(c.id), c.name) for c in customers],
        "department_id": [(str(d.id), f"{c.name} · {d.name}") for c in customers for d in c.departments],
        "contract_id": [
            (str(k.id), f"{k.number} · {k.customer.name}")
            for k in session.scalars(select(Contract).order_by(Contract.number))
        ],
    }


def _date(value: Any) -> date | None:
    """Validated form data keeps dates as ISO strings (as the process data does)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def unit_values(unit: EquipmentUnit | None) -> dict[str, Any]:
    if unit is None:
        return {}
    return {
        "serial": unit.serial,
        "model_id": str(unit.model_id),
        "customer_id": str(unit.customer_id),
        "department_id": str(unit.department_id) if unit.department_id else None,
        "contract_id": str(unit.contract_id) if unit.contract_id else None,
        "location": unit.location,
        "delivered_on": _iso(unit.delivered_on),
        "installed_on": _iso(unit.installed_on),
        "accepted_on": _iso(unit.accepted_on),
    }


def _ask_unit_contract(
    session: Session, user: User, unit: EquipmentUnit, contract: Contract | None, locale: str
) -> PendingChange:
    """An existing unit moves to another contract (or off its contract) only when a second
    person approves: it would take that contract's warranty, prices and deposit. One waiting
    move per unit at a time; a new unit is entered on its contract by one person."""
    if approvals.pending_of_unit(session, unit.id):
        raise FormRejected({"contract_id": [translate("error.unit_change_pending", locale)]})
    old = unit.contract
    concerned = contract or old
    assert concerned is not None  # a move has a contract on one side at least
    values = {
        "unit_id": unit.id,
        "serial": unit.serial,
        "contract_id": contract.id if contract else None,
        "contract_number": contract.number if contract else None,
    }
    previous = {"contract_id": old.id if old else None, "contract_number": old.number if old else None}
    kind = terms.UNIT_CONTRACT
    return approvals.propose(session, user, kind, concerned, unit.serial, values, previous, utcnow(), unit_id=unit.id)


def _checked_dates(clean: dict[str, Any], locale: str) -> list[date | None]:
    """Delivery, installation and final acceptance: none after today (a day's skew for the
    office's time zone), each on or after the one before it; the error on the later field."""
    names = ("delivered_on", "installed_on", "accepted_on")
    dates = [_date(clean.get(name)) for name in names]
    latest = utcnow().date() + DATE_SKEW
    errors: dict[str, list[str]] = {}
    for name, day in zip(names, dates, strict=True):
        if day is not None and day > latest:
            errors[name] = [translate("archive.date_future", locale)]
    for later in range(1, len(names)):
        earlier = [d for d in dates[:later] if d is not None]
        day = dates[later]
        if day is not None and earlier and day < max(earlier) and names[later] not in errors:
            errors[names[later]] = [translate("error.date_order", locale)]
    if errors:
        raise FormRejected(errors)
    return dates


@transactional
def save_unit(session: Session, user: User, unit_id: int | None, data: dict[str, Any], locale: str) -> EquipmentUnit:
    """Create or update a unit from its edit page (a move to another contract waits)."""
    check_editor(user)
    saved = put_unit(session, user, unit_id, _validated("equipment_unit", data, locale), locale)
    session.commit()
    return saved.row


def put_unit(
    session: Session, user: User, unit_id: int | None, clean: dict[str, Any], locale: str
) -> Saved[EquipmentUnit]:
    """Create or update a unit from the unit form's clean values: a unique serial, a model,
    the customer's own department and contract, sane dates. A new unit is entered on its
    contract at once; an existing one's move to another contract is asked of a second person
    (`Saved.change`). No commit."""
    unit = EquipmentUnit() if unit_id is None else session.get(EquipmentUnit, unit_id)
    if unit is None:
        raise NotFound("error.not_found")
    _unique(session, EquipmentUnit.serial, clean["serial"], unit.id, "serial", locale)
    model = _reference(session, EquipmentModel, clean.get("model_id"), "model_id", locale)
    customer = _reference(session, Customer, clean.get("customer_id"), "customer_id", locale)
    department = _reference(session, CustomerDepartment, clean.get("department_id"), "department_id", locale, False)
    contract = _reference(session, Contract, clean.get("contract_id"), "contract_id", locale, False)
    if department is not None and department.customer_id != customer.id:
        raise FormRejected({"department_id": [translate("error.not_this_customer", locale)]})
    if contract is not None and contract.customer_id != customer.id:
        raise FormRejected({"contract_id": [translate("error.not_this_customer", locale)]})
    moving = unit_id is not None and (contract.id if contract else None) != unit.contract_id
    if moving and unit.contract is not None and unit.contract.customer_id != customer.id:
        # the unit stays on its contract until the move is approved: not under another customer
        raise FormRejected({"customer_id": [translate("error.contract_of_old_customer", locale)]})
    dates = _checked_dates(clean, locale)
    before = unit_values(unit) if unit_id else {}
    unit.serial, unit.model, unit.customer, unit.department = clean["serial"], model, customer, department
    change = None
    if moving:
        change = _ask_unit_contract(session, user, unit, contract, locale)
    else:
        unit.contract = contract
    unit.location = clean.get("location")
    unit.delivered_on, unit.installed_on, unit.accepted_on = dates
    if unit_id is None:
        session.add(unit)
    session.flush()
    _record(session, user, "equipment_saved", before, unit_values(unit), {"unit_id": unit.id})
    return Saved(unit, change)


# contracts ------------------------------------------------------------------------------------
def cadence_choices(current: str | None, locale: str) -> list[tuple[str, str]]:
    """The usual cadences as people read them, and the contract's own if it is another."""
    values = list(STANDARD_CADENCES)
    if current and current not in values:
        values.append(current)
    return [(value, f"{cadence_label(value, locale)} ({value})") for value in values]


def contract_choices(session: Session, contract: Contract | None, locale: str) -> Choices:
    customers = session.scalars(select(Customer).order_by(Customer.name))
    return {
        "customer_id": [(str(c.id), c.name) for c in customers],
        "inspection_every": cadence_choices(contract.inspection_every if contract else None, locale),
        "follow_up_every": cadence_choices(contract.follow_up_every if contract else None, locale),
    }


def contract_values(contract: Contract | None) -> dict[str, Any]:
    if contract is None:
        return {
            "warranty_years": 2,
            "maintenance_years": 2,
            "deposit_amount": 0,
            "sla_policy": json.dumps(SEED_POLICY, ensure_ascii=False, indent=2),
            "inspection_every": DEFAULT_CADENCE,
            "follow_up_every": DEFAULT_CADENCE,
        }
    return {
        "number": contract.number,
        "customer_id": str(contract.customer_id),
        "signed_on": _iso(contract.signed_on),
        "warranty_years": contract.warranty_years,
        "maintenance_years": contract.maintenance_years,
        "deposit_amount": float(contract.deposit_amount),
        "part_prices": "\n".join(f"{code} = {price}" for code, price in contract_prices(contract)),
        "sla_policy": json.dumps(contract.sla_policy, ensure_ascii=False, indent=2),
        "inspection_every": contract.inspection_every,
        "follow_up_every": contract.follow_up_every,
    }


def contract_prices(contract: Contract) -> list[tuple[str, str]]:
    session = object_session(contract)
    if session is None or contract.id is None:
        return []
    return list(terms.prices_of(session, contract.id).items())


def _parse_prices(session: Session, text: str, locale: str) -> dict[str, tuple[int, Decimal]]:
    """`CODE = price` per line: the most paid service may charge for that part (R3), from 0
    to `terms.PART_PRICE_MAX`."""
    prices: dict[str, tuple[int, Decimal]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        code, sep, amount = line.partition("=")
        part = session.scalars(select(SparePart).where(SparePart.code == code.strip())).first()
        try:
            price = Decimal(amount.strip())
        except ArithmeticError:
            price = Decimal(-1)
        if not sep or part is None or not price.is_finite() or not 0 <= price <= terms.PART_PRICE_MAX:
            raise FormRejected({"part_prices": [translate("error.price_line", locale, line=number)]})
        prices[part.code] = (part.id, price.quantize(Decimal("0.01")))
    return prices


def _asked_terms(
    clean: dict[str, Any], policy: Any, prices: dict[str, tuple[int, Decimal]], cadences: dict[str, str]
) -> dict[str, Any]:
    """The terms the form asks for, in the shape of `terms.terms_of`."""
    return {
        "warranty_years": clean["warranty_years"],
        "maintenance_years": clean["maintenance_years"],
        "deposit_amount": terms.money(Decimal(str(clean["deposit_amount"]))),
        "sla_policy": policy,
        "part_prices": {code: terms.money(price) for code, (_id, price) in sorted(prices.items())},
        **cadences,
    }


def _checked_cadences(
    contract: Contract | None, clean: dict[str, Any], errors: dict[str, list[str]], locale: str
) -> dict[str, str]:
    """How often inspections and follow-ups fall due (ISO 8601, P1M to P2Y); one not given
    stays as it is (a new contract: every 3 months)."""
    cadences: dict[str, str] = {}
    for name in terms.CADENCES:
        given = clean.get(name)
        if given is None:
            cadences[name] = getattr(contract, name) if contract is not None else DEFAULT_CADENCE
            continue
        try:
            parse_cadence(given)
        except CadenceError as err:
            errors[name] = [translate(err.message_key, locale)]
        cadences[name] = normalized(str(given))
    return cadences


def _checked_terms(
    session: Session, contract: Contract | None, clean: dict[str, Any], locale: str
) -> tuple[Any, dict[str, tuple[int, Decimal]], dict[str, str]]:
    """The SLA policy as the clocks will read it, the part prices and the cadences, or the
    fields' errors."""
    errors: dict[str, list[str]] = {}
    policy: Any = None
    try:
        policy = json.loads(clean["sla_policy"])
        SlaPolicy.from_data(policy)
    except ValueError as err:  # PolicyError is a ValueError, as is bad JSON
        reason = str(err) if isinstance(err, PolicyError) else translate("error.not_json", locale)
        errors["sla_policy"] = [reason]
    prices: dict[str, tuple[int, Decimal]] = {}
    try:
        prices = _parse_prices(session, str(clean.get("part_prices") or ""), locale)
    except FormRejected as err:
        errors.update(err.errors)
    cadences = _checked_cadences(contract, clean, errors, locale)
    if errors:
        raise FormRejected(errors)
    return policy, prices, cadences


def _ask_terms(
    session: Session, user: User, contract: Contract, asked: dict[str, Any], locale: str
) -> PendingChange | None:
    """An existing contract's terms change only when a second person approves: ask for the
    fields that differ (one waiting change per contract at a time)."""
    current = terms.terms_of(session, contract)
    changed = {name: value for name, value in asked.items() if current[name] != value}
    if not changed:
        return None
    if approvals.pending_of(session, contract.id, terms.CONTRACT_TERMS):
        raise FormRejected({name: [translate("error.change_pending", locale)] for name in changed})
    previous = {name: current[name] for name in changed}
    kind = terms.CONTRACT_TERMS
    return approvals.propose(session, user, kind, contract, contract.number, changed, previous, utcnow())


@transactional
def save_contract(session: Session, user: User, contract_id: int | None, data: dict[str, Any], locale: str) -> Contract:
    """Create or update a contract from its edit page (new terms of an existing one wait)."""
    check_editor(user)
    saved = put_contract(session, user, contract_id, _validated("contract", data, locale), locale)
    session.commit()
    return saved.row


def _check_customer_of_units(session: Session, contract: Contract, customer: Customer, locale: str) -> None:
    """A contract keeps the customer whose units are on it."""
    others = select(EquipmentUnit.id).where(
        EquipmentUnit.contract_id == contract.id, EquipmentUnit.customer_id != customer.id
    )
    if contract.id is not None and session.scalars(others.limit(1)).first() is not None:
        raise FormRejected({"customer_id": [translate("archive.contract_has_other_units", locale)]})


def put_contract(
    session: Session, user: User, contract_id: int | None, clean: dict[str, Any], locale: str
) -> Saved[Contract]:
    """Create a contract (one person: a new contract has no requests, units or ledger yet, and
    its terms are held to the bounds of the form: creating it records what was signed), or
    update one: number, customer and date at once, its terms (warranty, maintenance, deposit,
    SLA policy, part prices, inspection and follow-up cadences) asked for a second person's
    approval (`Saved.change`). Requests already reported keep the policy they were reported
    under. No commit."""
    contract = Contract() if contract_id is None else session.get(Contract, contract_id)
    if contract is None:
        raise NotFound("error.not_found")
    _unique(session, Contract.number, clean["number"], contract.id, "number", locale)
    customer = _reference(session, Customer, clean.get("customer_id"), "customer_id", locale)
    _check_customer_of_units(session, contract, customer, locale)
    policy, prices, cadences = _checked_terms(session, contract if contract_id else None, clean, locale)
    asked = _asked_terms(clean, policy, prices, cadences)
    before = contract_values(contract) if contract_id else {}
    contract.number, contract.customer = clean["number"], customer
    contract.signed_on = date.fromisoformat(clean["signed_on"])
    change = None
    if contract_id is None:
        contract.warranty_years, contract.maintenance_years = asked["warranty_years"], asked["maintenance_years"]
        contract.deposit_amount = Decimal(asked["deposit_amount"])
        contract.sla_policy = policy
        contract.inspection_every, contract.follow_up_every = cadences["inspection_every"], cadences["follow_up_every"]
        session.add(contract)
        session.flush()
        terms.replace_prices(session, contract, dict(prices.values()))
    else:
        session.flush()
        change = _ask_terms(session, user, contract, asked, locale)
    _record(session, user, "contract_saved", before, contract_values(contract), {"contract_id": contract.id})
    return Saved(contract, change)


# correspondence -------------------------------------------------------------------------------
def correspondence_choices(session: Session, unit_id: int) -> Choices:
    incoming = session.scalars(
        select(Correspondence)
        .where(Correspondence.unit_id == unit_id, Correspondence.direction == "incoming")
        .order_by(Correspondence.id.desc())
    )
    return {"reply_to": [(str(c.id), f"{c.number} · {c.subject}") for c in incoming]}


@transactional
def file_correspondence(
    session: Session, user: User, unit_id: int, data: dict[str, Any], locale: str
) -> Correspondence:
    """Number a letter or reply and file it under the unit (R4): 来函 LH…, 复函/去函 FH…."""
    check_editor(user)
    unit = session.get(EquipmentUnit, unit_id)
    if unit is None:
        raise NotFound("error.not_found")
    clean = _validated("correspondence", data, locale)
    reply_to = _reference(session, Correspondence, clean.get("reply_to"), "reply_to", locale, False)
    if reply_to is not None and (reply_to.unit_id != unit.id or clean["direction"] != "outgoing"):
        raise FormRejected({"reply_to": [translate("form.choice", locale)]})
    now = utcnow()
    letter = Correspondence(
        number="pending",
        unit_id=unit.id,
        reply_to_id=reply_to.id if reply_to else None,
        direction=clean["direction"],
        channel=clean["channel"],
        correspondent=clean["correspondent"],
        subject=clean["subject"],
        body=clean.get("body"),
        at=now,
        by_id=user.id,
    )
    session.add(letter)
    session.flush()
    letter.number = f"{'LH' if letter.direction == 'incoming' else 'FH'}{now:%Y}-{letter.id:05d}"
    audit.record(session, "correspondence_filed", user, now, details={"number": letter.number, "unit": unit.serial})
    session.commit()
    return letter


def unit_correspondence(session: Session, unit_id: int) -> list[Correspondence]:
    return list(
        session.scalars(
            select(Correspondence).where(Correspondence.unit_id == unit_id).order_by(Correspondence.id.desc())
        )
    )
