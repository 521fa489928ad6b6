"""The customer portal (客户服务门户, `/portal/`): pages for customers' contacts reached by a
personal link; the processes contribute their parts (protocol.py)."""

from __future__ import annotations

from app.aftersales.portal.messages import MESSAGES
from app.aftersales.portal.service import unit_section
from app.aftersales.portal.views import portal_web
from app.bpm.modules import Module


def portal_module() -> Module:
    return Module(name="portal", web=portal_web, messages=MESSAGES, contributes={"unit_history": (unit_section,)})
