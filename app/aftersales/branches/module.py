"""The service network (服务网络, R30): branches as data, their page."""

from __future__ import annotations

from app.aftersales.branches.messages import MESSAGES
from app.aftersales.branches.views import branches_web
from app.aftersales.policies import can_see_branches
from app.bpm.modules import Module
from app.bpm.plugins import NavItem


def branches_module() -> Module:
    return Module(
        name="branches",
        web=branches_web,
        nav=(NavItem("branches.branches_page", "nav.branches", can_see_branches),),
        messages=MESSAGES,
    )
