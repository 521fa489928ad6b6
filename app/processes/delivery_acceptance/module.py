"""Delivery and acceptance (交货与验收, R23–R26): bpmn/delivery_acceptance.bpmn with its plugin
(plugin.py), its business objects (models.py, service.py), the signed acceptance form's
signatures and PDF (views.py, templates/), and its section of a unit's history. Its end sets
the unit's `accepted_on` through the archive, which starts the warranty."""

from __future__ import annotations

from app.bpm.modules import Module
from app.processes.delivery_acceptance.messages import MESSAGES
from app.processes.delivery_acceptance.plugin import delivery_plugin
from app.processes.delivery_acceptance.service import DELIVERY_PROCESS, unit_section
from app.processes.delivery_acceptance.views import delivery_web


def delivery_acceptance_module() -> Module:
    return Module(
        name=DELIVERY_PROCESS,
        plugin=delivery_plugin(),
        web=delivery_web,
        contributes={"unit_history": (unit_section,)},
        messages=MESSAGES,
    )
