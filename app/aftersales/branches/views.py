"""The service network's page: every branch with its staff and the customers it serves."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from app.aftersales.branches import service as branches
from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _user, login_required

branches_web = Blueprint("branches", __name__, template_folder="templates")


@branches_web.get("/branches")
@login_required
def branches_page() -> Any:
    return render_template("branches/branches.html", network=branches.network(db.session(), _user(), current_locale()))
