"""The customer and equipment archive (客户档案, R1–R4): its pages, API and links."""

from __future__ import annotations

from app.aftersales.archive.api import OPENAPI, archive_api
from app.aftersales.archive.messages import MESSAGES
from app.aftersales.archive.software import software_section
from app.aftersales.archive.views import archive_web
from app.bpm.modules import Module
from app.bpm.plugins import NavItem


def archive_module() -> Module:
    return Module(
        name="archive",
        web=archive_web,
        api=archive_api,
        nav=(NavItem("archive.equipment_page", "nav.equipment"), NavItem("archive.customers_page", "nav.customers")),
        contributes={"openapi": (OPENAPI,), "unit_history": (software_section,)},
        messages=MESSAGES,
    )
