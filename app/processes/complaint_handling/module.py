"""Complaint handling (客户投诉处理, R12–R17): bpmn/complaint_handling.bpmn and its plugin
(plugin.py: checks the forms cannot express alone, the case each step sees) and its paper form
as a PDF (service.py, views.py, templates/)."""

from __future__ import annotations

from app.bpm.modules import Module
from app.processes.complaint_handling.messages import MESSAGES
from app.processes.complaint_handling.plugin import COMPLAINT_PROCESS, complaint_plugin
from app.processes.complaint_handling.views import complaint_web


def complaint_handling_module() -> Module:
    return Module(name=COMPLAINT_PROCESS, plugin=complaint_plugin(), web=complaint_web, messages=MESSAGES)
