"""Repair dispatch (报修与派工, R4–R11): bpmn/repair_dispatch.bpmn with its plugin (plugin.py),
its business objects (models.py, service.py), pages (views.py, templates/) and API (api.py),
and its section of a unit's history in the archive."""

from __future__ import annotations

from app.aftersales.portal.protocol import PORTAL_RECORD_SIGNING, PORTAL_REQUESTS
from app.aftersales.service_requests import OPEN_REQUESTS, OPENER
from app.bpm.modules import Module
from app.bpm.plugins import NavItem
from app.processes.repair_dispatch.api import OPENAPI, repair_api
from app.processes.repair_dispatch.plugin import repair_plugin
from app.processes.repair_dispatch.portal import portal_requests, sign_remotely
from app.processes.repair_dispatch.service import REPAIR_PROCESS, open_for_process, open_of_unit, unit_section
from app.processes.repair_dispatch.views import repair_web


def repair_dispatch_module() -> Module:
    return Module(
        name=REPAIR_PROCESS,
        plugin=repair_plugin(),
        web=repair_web,
        api=repair_api,
        nav=(NavItem("repair.service_requests_page", "nav.service_requests"),),
        contributes={
            "openapi": (OPENAPI,),
            "unit_history": (unit_section,),
            OPENER: (open_for_process,),
            PORTAL_REQUESTS: (portal_requests,),
            PORTAL_RECORD_SIGNING: (sign_remotely,),
            OPEN_REQUESTS: (open_of_unit,),
        },
    )
