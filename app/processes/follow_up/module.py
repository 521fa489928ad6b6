"""Follow-ups (回访, R19, R21): bpmn/follow_up.bpmn with its plugin (plugin.py), the phone
follow-ups and key-customer visits with their findings and the yearly visit reports
(models.py, service.py), their pages (views.py) and API (api.py), and the unit's history."""

from __future__ import annotations

from app.aftersales.policies import can_write_visit_report
from app.bpm.modules import Module
from app.bpm.plugins import NavItem
from app.processes.follow_up.api import OPENAPI, follow_up_api
from app.processes.follow_up.messages import MESSAGES
from app.processes.follow_up.plugin import follow_up_plugin
from app.processes.follow_up.service import FOLLOW_UP_PROCESS, unit_section
from app.processes.follow_up.views import follow_up_web


def follow_up_module() -> Module:
    return Module(
        name=FOLLOW_UP_PROCESS,
        plugin=follow_up_plugin(),
        web=follow_up_web,
        api=follow_up_api,
        nav=(NavItem("follow_up.visit_reports_page", "follow_up.nav.visit_reports", can_write_visit_report),),
        contributes={"openapi": (OPENAPI,), "unit_history": (unit_section,)},
        messages=MESSAGES,
    )
