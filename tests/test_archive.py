"""The customer and equipment archive over real HTTP (R1–R3)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .conftest import LiveServer
from .http_client import call, login
from .web_client import WebClient

API = "/api/v1"


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def test_equipment_lists_units_in_and_out_of_warranty(base: str) -> None:
    status, units = call(base, "GET", f"{API}/equipment", token=login(base, "engineers1"))
    assert status == 200 and len(units) == 6
    by_serial = {u["serial"]: u for u in units}
    assert by_serial["SN-C3000-0001"]["warranty_end"] == "2024-04-09"  # 2 years from 2022-04-10
    assert by_serial["SN-C3000-0001"]["in_warranty"] is False
    assert by_serial["SN-C3000-0004"]["warranty_end"] == "2029-06-30"  # a 6-year contract
    assert by_serial["SN-C3000-0004"]["in_warranty"] is True
    assert {"id", "serial", "model", "customer", "warranty_end"} <= by_serial["SN-LP800-0006"].keys()


@pytest.mark.parametrize(("query", "expected"), [("C3000", 2), ("第一人民医院", 3), ("sn-gate", 1), ("nothing", 0)])
def test_equipment_search_by_serial_model_or_customer(base: str, query: str, expected: int) -> None:
    status, units = call(base, "GET", f"{API}/equipment?q={quote(query)}", token=login(base, "sales1"))
    assert status == 200 and len(units) == expected


def test_unit_page_and_customers_page(base: str) -> None:
    token = login(base, "after_sales1")
    _, units = call(base, "GET", f"{API}/equipment?q=SN-GATE", token=token)
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/equipment/{units[0]['id']}")
    assert status == 200 and "FX-GATE" in page and "2029-07-02" in page
    status, page = web.get("/customers")
    assert status == 200 and page.index("市第一人民医院") < page.index("区政务服务中心")  # key customers first
    assert call(base, "GET", f"{API}/equipment/999999", token=token)[0] == 404
