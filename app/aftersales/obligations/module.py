"""The recurring promises (服务承诺: inspections, follow-ups, visits, training, surveys, the
monthly review) as data: the calendar pass that opens and escalates their periods, the listener
that meets them with any qualifying completed instance, their page, API and unit section."""

from __future__ import annotations

from app.aftersales.obligations.api import OPENAPI, obligations_api
from app.aftersales.obligations.messages import MESSAGES
from app.aftersales.obligations.service import calendar_pass, record_completion, unit_section
from app.aftersales.obligations.views import obligations_web
from app.aftersales.policies import can_read_obligations
from app.bpm.modules import Module, ScheduledPass
from app.bpm.plugins import NavItem


def obligations_module() -> Module:
    return Module(
        name="obligations",
        web=obligations_web,
        api=obligations_api,
        nav=(NavItem("obligations.obligations_page", "nav.obligations", can_read_obligations),),
        contributes={"openapi": (OPENAPI,), "unit_history": (unit_section,)},
        messages=MESSAGES,
        on_instance_completed=(record_completion,),
        scheduled=(ScheduledPass("obligations", calendar_pass),),
    )
