"""Two people for money and contract terms (R3, R10): the approvers' page and API."""

from __future__ import annotations

from app.aftersales.approvals.api import OPENAPI, approvals_api
from app.aftersales.approvals.views import approvals_web
from app.bpm.modules import Module


def approvals_module() -> Module:
    return Module(name="approvals", web=approvals_web, api=approvals_api, contributes={"openapi": (OPENAPI,)})
