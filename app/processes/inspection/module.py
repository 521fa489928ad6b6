"""Inspection (维护期巡检, R27): bpmn/inspection.bpmn with its plugin (plugin.py), the
checklist kept as data per equipment model and the inspections (models.py, service.py), the
checklist page and the 巡查反馈信息单 PDF (views.py), its API (api.py), and its section of a
unit's history."""

from __future__ import annotations

from app.bpm.modules import Module
from app.processes.inspection.api import OPENAPI, inspection_api
from app.processes.inspection.messages import MESSAGES
from app.processes.inspection.plugin import inspection_plugin
from app.processes.inspection.service import INSPECTION_PROCESS, unit_section
from app.processes.inspection.views import inspection_web


def inspection_module() -> Module:
    return Module(
        name=INSPECTION_PROCESS,
        plugin=inspection_plugin(),
        web=inspection_web,
        api=inspection_api,
        contributes={"openapi": (OPENAPI,), "unit_history": (unit_section,)},
        messages=MESSAGES,
    )
