"""The return process's intake page: a branch registers a return or exchange."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.bpm.db import db
from app.bpm.errors import FormRejected
from app.bpm.forms import coerce_html_form, field_views
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _t, _tz, _user, login_required
from app.processes.return_exchange import service as returns

return_web = Blueprint("return_exchange", __name__, template_folder="templates")


def _page(values: dict[str, Any], errors: dict[str, list[str]] | None = None) -> Any:
    choices = returns.unit_choices(db.session(), _user())
    fields = field_views(returns.register_form(), current_locale(), values, errors or {}, _tz(), choices)
    page = render_template("return_exchange/return_new.html", fields=fields, errors=errors or {})
    return (page, 400) if errors else page


@return_web.route("/returns/new", methods=["GET", "POST"])
@login_required
def new_return() -> Any:
    if request.method == "GET":
        return _page({"unit": request.args.get("unit_id", "")})
    data = coerce_html_form(returns.register_form(), request.form.to_dict(flat=False), _tz())
    try:
        done = returns.register_return(db.session(), _user(), data, current_locale())
    except FormRejected as err:
        flash(_t("form.has_errors"), "error")
        return _page(data, err.errors)
    flash(_t("return.registered", branch=done.branch_name), "success")
    return redirect(url_for("web.instance_page", instance_id=done.instance.id))
