"""Reports (API.md, Reports): figures derived from recorded events."""

from __future__ import annotations

from app.aftersales.reports.api import OPENAPI, reports_api
from app.aftersales.reports.messages import MESSAGES
from app.bpm.modules import Module


def reports_module() -> Module:
    return Module(name="reports", api=reports_api, messages=MESSAGES, contributes={"openapi": (OPENAPI,)})
