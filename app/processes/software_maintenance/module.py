"""Software maintenance (维护期内软件维护、应用软件升级): bpmn/software_maintenance.bpmn with its
plugin (plugin.py), the upgrades and campaigns (models.py, service.py), the campaign pages
(views.py), its API (api.py), and its section of a unit's history (the versions themselves are
the archive's: app/aftersales/archive/software.py)."""

from __future__ import annotations

from app.aftersales.policies import can_plan_software_campaign
from app.bpm.modules import Module
from app.bpm.plugins import NavItem
from app.processes.software_maintenance.api import OPENAPI, software_api
from app.processes.software_maintenance.messages import MESSAGES
from app.processes.software_maintenance.plugin import software_plugin
from app.processes.software_maintenance.service import SOFTWARE_PROCESS, unit_section
from app.processes.software_maintenance.views import software_web


def software_maintenance_module() -> Module:
    return Module(
        name=SOFTWARE_PROCESS,
        plugin=software_plugin(),
        web=software_web,
        api=software_api,
        nav=(
            NavItem(
                "software_maintenance.campaigns_page", "software_maintenance.campaigns", can_plan_software_campaign
            ),
        ),
        contributes={"openapi": (OPENAPI,), "unit_history": (unit_section,)},
        messages=MESSAGES,
    )
