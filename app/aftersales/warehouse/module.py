"""The spare parts warehouse and the loaner pool (R11): its pages, API and link."""

from __future__ import annotations

from app.aftersales.policies import can_use_parts
from app.aftersales.warehouse.api import OPENAPI, warehouse_api
from app.aftersales.warehouse.views import warehouse_web
from app.bpm.modules import Module
from app.bpm.plugins import NavItem


def warehouse_module() -> Module:
    return Module(
        name="warehouse",
        web=warehouse_web,
        api=warehouse_api,
        nav=(NavItem("warehouse.parts_page", "nav.parts", can_use_parts),),
        contributes={"openapi": (OPENAPI,)},
    )
