"""Editing the archive: customers (with departments and contacts), equipment units, contracts.
One generic page renders any archive form; nothing typed is lost when a check fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.extensions import db
from app.forms_runtime import coerce_html_form, field_views
from app.models import Contract, Customer, EquipmentUnit
from app.services import archive, archive_edit
from app.services.errors import FormRejected

from .locale import current_locale
from .views import _t, _tz, _user, login_required, web_blueprint


def _edit_page(
    form_name: str,
    title: str,
    values: dict[str, Any],
    choices: archive_edit.Choices,
    errors: dict[str, list[str]] | None = None,
    back: str | None = None,
) -> Any:
    form = archive_edit.forms()[form_name]
    fields = field_views(form, current_locale(), values, errors or {}, _tz(), choices)
    page = render_template("archive_form.html", form=form, fields=fields, title=title, errors=errors or {}, back=back)
    return (page, 400) if errors else page


def _save(
    form_name: str,
    title: str,
    choices: archive_edit.Choices,
    save: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str],
    back: str | None = None,
) -> Any:
    data = coerce_html_form(archive_edit.forms()[form_name], request.form.to_dict(flat=False), _tz())
    try:
        saved = save(data)
    except FormRejected as err:
        db.session().rollback()
        flash(_t("form.has_errors"), "error")
        return _edit_page(form_name, title, data, choices, err.errors, back)
    flash(_t("archive.saved"), "success")
    return redirect(done(saved))


def _get(model: Any, row_id: int) -> Any:
    return archive_edit.archive_row(db.session(), model, row_id)


# customers
@web_blueprint.route("/customers/new", methods=["GET", "POST"])
@web_blueprint.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_customer(customer_id: int | None = None) -> Any:
    customer = _get(Customer, customer_id) if customer_id else None
    title = customer.name if customer else _t("archive.new_customer")
    if request.method == "GET":
        return _edit_page("customer", title, archive_edit.customer_values(customer), {})
    return _save(
        "customer",
        title,
        {},
        lambda data: archive_edit.save_customer(db.session(), _user(), customer_id, data, current_locale()),
        lambda saved: url_for("web.customer_page", customer_id=saved.id),
    )


@web_blueprint.get("/customers/<int:customer_id>")
@login_required
def customer_page(customer_id: int) -> str:
    customer = _get(Customer, customer_id)
    form = archive_edit.forms()["contact"]
    fields = field_views(form, current_locale(), {}, {}, _tz(), archive_edit.contact_choices(customer))
    units = [view.unit for view in archive.search_equipment(db.session(), _user(), customer_id=customer.id)]
    return render_template(
        "customer.html", customer=customer, contact_fields=fields, units=units, can_edit=archive_edit.can_edit(_user())
    )


@web_blueprint.post("/customers/<int:customer_id>/contacts")
@login_required
def add_contact(customer_id: int) -> Any:
    customer = _get(Customer, customer_id)
    return _save(
        "contact",
        customer.name,
        archive_edit.contact_choices(customer),
        lambda data: archive_edit.add_contact(db.session(), _user(), customer_id, data, current_locale()),
        lambda _saved: url_for("web.customer_page", customer_id=customer_id),
        back=url_for("web.customer_page", customer_id=customer_id),
    )


# equipment units
@web_blueprint.route("/equipment/new", methods=["GET", "POST"])
@web_blueprint.route("/equipment/<int:unit_id>/edit", methods=["GET", "POST"])
@login_required
def edit_unit(unit_id: int | None = None) -> Any:
    unit = _get(EquipmentUnit, unit_id) if unit_id else None
    title = unit.serial if unit else _t("archive.new_unit")
    choices = archive_edit.unit_choices(db.session())
    if request.method == "GET":
        return _edit_page("equipment_unit", title, archive_edit.unit_values(unit), choices)
    return _save(
        "equipment_unit",
        title,
        choices,
        lambda data: archive_edit.save_unit(db.session(), _user(), unit_id, data, current_locale()),
        lambda saved: url_for("web.equipment_unit_page", unit_id=saved.id),
    )


# contracts
@web_blueprint.get("/contracts")
@login_required
def contracts_page() -> str:
    return render_template("contracts.html", contracts=archive_edit.list_contracts(db.session()))


@web_blueprint.route("/contracts/new", methods=["GET", "POST"])
@web_blueprint.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@login_required
def edit_contract(contract_id: int | None = None) -> Any:
    contract = _get(Contract, contract_id) if contract_id else None
    title = contract.number if contract else _t("archive.new_contract")
    choices = archive_edit.contract_choices(db.session())
    if request.method == "GET":
        return _edit_page("contract", title, archive_edit.contract_values(contract), choices)
    return _save(
        "contract",
        title,
        choices,
        lambda data: archive_edit.save_contract(db.session(), _user(), contract_id, data, current_locale()),
        lambda _saved: url_for("web.contracts_page"),
    )


@web_blueprint.post("/equipment/<int:unit_id>/correspondence")
@login_required
def file_correspondence(unit_id: int) -> Any:
    unit = _get(EquipmentUnit, unit_id)
    return _save(
        "correspondence",
        unit.serial,
        archive_edit.correspondence_choices(db.session(), unit_id),
        lambda data: archive_edit.file_correspondence(db.session(), _user(), unit_id, data, current_locale()),
        lambda _saved: url_for("web.equipment_unit_page", unit_id=unit_id) + "#correspondence",
        back=url_for("web.equipment_unit_page", unit_id=unit_id),
    )
