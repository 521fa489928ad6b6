"""Editing the archive: customers (with departments and contacts), equipment units, contracts.
One generic page renders any archive form; nothing typed is lost when a check fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.aftersales.archive import editing as archive_edit
from app.aftersales.archive import service as archive
from app.aftersales.policies import can_approve_changes, can_edit_archive
from app.bpm.db import db
from app.bpm.errors import FormRejected
from app.bpm.forms import coerce_html_form, field_views
from app.bpm.modules import contributions
from app.bpm.plugins import Choices
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _t, _tz, _user, login_required

archive_web = Blueprint("archive", __name__, template_folder="templates")


@archive_web.context_processor
def _archive_policies() -> dict[str, Any]:
    user = g.get("user")
    return {
        "can_edit_archive": user is not None and can_edit_archive(user),
        "may_approve": user is not None and can_approve_changes(user),
    }


def _edit_page(
    form_name: str,
    title: str,
    values: dict[str, Any],
    choices: Choices,
    errors: dict[str, list[str]] | None = None,
    back: str | None = None,
) -> Any:
    archive_edit.check_editor(_user())  # no form for someone who may not save it
    form = archive_edit.forms()[form_name]
    fields = field_views(form, current_locale(), values, errors or {}, _tz(), choices)
    page = render_template(
        "archive/archive_form.html", form=form, fields=fields, title=title, errors=errors or {}, back=back
    )
    return (page, 400) if errors else page


def _save(
    form_name: str,
    title: str,
    choices: Choices,
    save: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str],
    back: str | None = None,
) -> Any:
    data = coerce_html_form(archive_edit.forms()[form_name], request.form.to_dict(flat=False), _tz())
    try:
        saved = save(data)
    except FormRejected as err:
        flash(_t("form.has_errors"), "error")
        return _edit_page(form_name, title, data, choices, err.errors, back)
    flash(_t("archive.saved"), "success")
    return redirect(done(saved))


# customers
@archive_web.route("/customers/new", methods=["GET", "POST"])
@archive_web.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_customer(customer_id: int | None = None) -> Any:
    customer = archive_edit.get_customer(db.session(), customer_id) if customer_id else None
    title = customer.name if customer else _t("archive.new_customer")
    if request.method == "GET":
        return _edit_page("customer", title, archive_edit.customer_values(customer), {})
    return _save(
        "customer",
        title,
        {},
        lambda data: archive_edit.save_customer(db.session(), _user(), customer_id, data, current_locale()),
        lambda saved: url_for("archive.customer_page", customer_id=saved.id),
    )


@archive_web.get("/customers/<int:customer_id>")
@login_required
def customer_page(customer_id: int) -> str:
    customer = archive_edit.get_customer(db.session(), customer_id)
    form = archive_edit.forms()["contact"]
    fields = field_views(form, current_locale(), {}, {}, _tz(), archive_edit.contact_choices(customer))
    units = [view.unit for view in archive.search_equipment(db.session(), _user(), customer_id=customer.id)]
    return render_template(
        "archive/customer.html",
        customer=customer,
        contact_fields=fields,
        units=units,
        can_edit=can_edit_archive(_user()),
    )


@archive_web.post("/customers/<int:customer_id>/contacts")
@login_required
def add_contact(customer_id: int) -> Any:
    customer = archive_edit.get_customer(db.session(), customer_id)
    return _save(
        "contact",
        customer.name,
        archive_edit.contact_choices(customer),
        lambda data: archive_edit.add_contact(db.session(), _user(), customer_id, data, current_locale()),
        lambda _saved: url_for("archive.customer_page", customer_id=customer_id),
        back=url_for("archive.customer_page", customer_id=customer_id),
    )


# equipment units
@archive_web.route("/equipment/new", methods=["GET", "POST"])
@archive_web.route("/equipment/<int:unit_id>/edit", methods=["GET", "POST"])
@login_required
def edit_unit(unit_id: int | None = None) -> Any:
    unit = archive_edit.get_unit(db.session(), unit_id) if unit_id else None
    title = unit.serial if unit else _t("archive.new_unit")
    choices = archive_edit.unit_choices(db.session())
    if request.method == "GET":
        return _edit_page("equipment_unit", title, archive_edit.unit_values(unit), choices)
    return _save(
        "equipment_unit",
        title,
        choices,
        lambda data: archive_edit.save_unit(db.session(), _user(), unit_id, data, current_locale()),
        lambda saved: url_for("archive.equipment_unit_page", unit_id=saved.id),
    )


# contracts
@archive_web.get("/contracts")
@login_required
def contracts_page() -> str:
    return render_template("archive/contracts.html", contracts=archive.contracts_with_terms(db.session(), _user()))


@archive_web.route("/contracts/new", methods=["GET", "POST"])
@archive_web.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@login_required
def edit_contract(contract_id: int | None = None) -> Any:
    contract = archive_edit.get_contract(db.session(), contract_id) if contract_id else None
    title = contract.number if contract else _t("archive.new_contract")
    choices = archive_edit.contract_choices(db.session(), contract, current_locale())
    if request.method == "GET":
        return _edit_page("contract", title, archive_edit.contract_values(contract), choices)
    return _save(
        "contract",
        title,
        choices,
        lambda data: archive_edit.save_contract(db.session(), _user(), contract_id, data, current_locale()),
        lambda saved: url_for("archive.contract_page", contract_id=saved.id),
    )


@archive_web.post("/equipment/<int:unit_id>/correspondence")
@login_required
def file_correspondence(unit_id: int) -> Any:
    unit = archive_edit.get_unit(db.session(), unit_id)
    return _save(
        "correspondence",
        unit.serial,
        archive_edit.correspondence_choices(db.session(), unit_id),
        lambda data: archive_edit.file_correspondence(db.session(), _user(), unit_id, data, current_locale()),
        lambda _saved: url_for("archive.equipment_unit_page", unit_id=unit_id) + "#correspondence",
        back=url_for("archive.equipment_unit_page", unit_id=unit_id),
    )


@archive_web.get("/equipment")
@login_required
def equipment_page() -> str:
    text = request.args.get("q", "").strip()[:100]
    units = archive.search_equipment(db.session(), _user(), text or None)
    return render_template("archive/equipment.html", units=units, q=text)


@archive_web.get("/equipment/<int:unit_id>")
@login_required
def equipment_unit_page(unit_id: int) -> str:
    session_ = db.session()
    history = archive.unit_history(session_, _user(), unit_id, contributions("unit_history"))
    letters = archive_edit.unit_correspondence(session_, unit_id)
    letter_fields = field_views(
        archive_edit.forms()["correspondence"],
        current_locale(),
        {"direction": "incoming", "channel": "letter"},
        {},
        _tz(),
        archive_edit.correspondence_choices(session_, unit_id),
    )
    return render_template(
        "archive/equipment_unit.html",
        history=history,
        letters=letters,
        letter_fields=letter_fields,
        can_edit=can_edit_archive(_user()),
        pending=archive.unit_changes(session_, _user(), unit_id, current_locale()),
    )


@archive_web.get("/customers")
@login_required
def customers_page() -> str:
    return render_template("archive/customers.html", customers=archive.list_customers(db.session(), _user()))


@archive_web.get("/contracts/<int:contract_id>")
@login_required
def contract_page(contract_id: int) -> str:
    """The contract's terms, the term changes waiting for approval (old → new) and its deposit
    ledger: for those who may read contract terms."""
    page = archive.contract_terms(db.session(), _user(), contract_id, current_locale())
    return render_template("archive/contract.html", page=page)


@archive_web.get("/contracts/<int:contract_id>/deposit")
@login_required
def deposit_page(contract_id: int) -> str:
    return contract_page(contract_id)
