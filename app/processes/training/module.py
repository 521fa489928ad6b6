"""Customer training (客户培训, R28): bpmn/training.bpmn, twice a year per customer (started by
hand or by the calendar), with its signed record (a PDF) and its section of a unit's history."""

from __future__ import annotations

from app.bpm.modules import Module
from app.processes.training.messages import MESSAGES
from app.processes.training.plugin import TRAINING_PROCESS, training_plugin
from app.processes.training.service import unit_section
from app.processes.training.views import training_web


def training_module() -> Module:
    return Module(
        name=TRAINING_PROCESS,
        plugin=training_plugin(),
        web=training_web,
        contributes={"unit_history": (unit_section,)},
        messages=MESSAGES,
    )
