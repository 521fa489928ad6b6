"""Returns and exchanges (退换货, R29): bpmn/return_exchange.bpmn, received by the branch that
serves the customer (its tasks in that branch's worklist), decided by head office; its intake
page and API, and its section of a unit's history."""

from __future__ import annotations

from app.aftersales.policies import can_register_return
from app.bpm.modules import Module
from app.bpm.plugins import NavItem
from app.processes.return_exchange.api import OPENAPI, return_api
from app.processes.return_exchange.messages import MESSAGES
from app.processes.return_exchange.plugin import RETURN_PROCESS, return_plugin
from app.processes.return_exchange.service import unit_section
from app.processes.return_exchange.views import return_web


def return_exchange_module() -> Module:
    return Module(
        name=RETURN_PROCESS,
        plugin=return_plugin(),
        web=return_web,
        api=return_api,
        nav=(NavItem("return_exchange.new_return", "nav.returns", can_register_return),),
        contributes={"openapi": (OPENAPI,), "unit_history": (unit_section,)},
        messages=MESSAGES,
    )
