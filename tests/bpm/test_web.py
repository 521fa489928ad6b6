"""Server-rendered pages over real HTTP (no browser): CSRF, log-in, redirects."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from flask import Flask

from app.bpm.worker import run_pass
from harness.servers import LiveServer


def _post(url: str, fields: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_form_posts_without_csrf_token_are_refused(live_server: LiveServer) -> None:
    status, body = _post(f"{live_server.url}/login", {"username": "after_sales1", "password": "shouhou-demo"})
    assert status == 400
    assert "页面已过期" in body


def test_pages_need_a_login(live_server: LiveServer) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{live_server.url}/instances/1", timeout=30)
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as err:
        assert err.code == 302
        assert "/login" in err.headers["Location"]


def test_auditor_exports_an_instances_history(live_server: LiveServer, app: Flask) -> None:
    import csv
    import io
    import json

    from harness.data import REGISTER
    from harness.http_client import call, login
    from harness.web_client import WebClient

    token = login(live_server.url, "after_sales1")
    _, instance = call(
        live_server.url, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token
    )
    task_id = instance["open_tasks"][0]["id"]
    data = {**REGISTER, "customer": '=HYPERLINK("http://evil")'}
    assert call(live_server.url, "POST", f"/api/v1/tasks/{task_id}/complete", {"data": data}, token)[0] == 200
    auditor = WebClient(live_server.url)
    auditor.login("auditors1")
    status, page = auditor.get(f"/instances/{instance['id']}?actor=after_sales1&action=task_completed")
    assert status == 200 and page.count('class="event"') == 1
    status, text = auditor.get(f"/instances/{instance['id']}/history.csv")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["操作"] for r in rows] == ["发起流程", "完成任务"]  # read as the page reads (issue 13)
    assert rows[1]["任务"] == "登记客户投诉" and rows[1]["时间"].count(":") == 2  # a title, a local time
    changes = rows[1]["数据变更"]
    assert "客户名称: =HYPERLINK" in changes and changes[0] != "="  # behind its label: inert
    assert "投诉分类: 质量异常" in changes and "complaint_class" not in text
    assert 'class="task">登记客户投诉</td>' in page and "<code>customer</code>" not in page
    status, text = auditor.get(f"/instances/{instance['id']}/history.json?action=task_completed")
    [event] = json.loads(text)
    assert event["actor"] == "after_sales1" and event["hash"] is None  # recorded, not chained yet
    run_pass(app)  # the worker seals it into the hash chain
    [event] = json.loads(auditor.get(f"/instances/{instance['id']}/history.json?action=task_completed")[1])
    assert len(event["hash"]) == 64 and event["seq"] > 0
    outsider = WebClient(live_server.url)
    outsider.login("engineers1")
    assert outsider.get(f"/instances/{instance['id']}/history.csv")[0] == 404
    assert outsider.get(f"/instances/{instance['id']}/diagram.bpmn")[0] == 404


def test_process_owner_deploys_from_the_browser_and_sees_versions(live_server: LiveServer) -> None:
    from pathlib import Path

    from harness.web_client import WebClient

    diagram = (Path(__file__).parents[1] / "fixtures" / "parts_arrival.bpmn").read_bytes()
    owner = WebClient(live_server.url)
    owner.login("process_owners1")
    status, page = owner.post_file("/processes", "parts.bpmn", diagram, csrf_from="/processes")
    assert status == 200 and 'id="versions-parts_arrival"' in page and "process_owners1" in page
    broken = diagram.replace(b'<bpmn:lane id="after_sales" name="after_sales">', b'<bpmn:lane id="x" name="nobody">')
    status, page = owner.post_file("/processes", "parts.bpmn", broken, csrf_from="/processes")
    assert status == 400 and 'id="deploy-problems"' in page and "install_parts" in page
    engineer = WebClient(live_server.url)
    engineer.login("engineers1")
    status, page = engineer.post_file("/processes", "parts.bpmn", diagram, csrf_from="/processes")
    assert status == 403


def test_the_upload_dialog_maps_lanes_of_a_foreign_diagram_to_groups(live_server: LiveServer) -> None:
    from pathlib import Path

    from harness.web_client import WebClient

    diagram = (Path(__file__).parents[1] / "fixtures" / "parts_arrival.bpmn").read_bytes()
    foreign = diagram.replace(
        b'<bpmn:lane id="after_sales" name="after_sales">', b'<bpmn:lane id="x" name="Service desk">'
    )
    owner = WebClient(live_server.url)
    owner.login("process_owners1")
    status, page = owner.post_file("/processes", "parts.bpmn", foreign, "/processes", {"lane_table": "Service desk"})
    assert status == 400 and "泳道对应表第 1 行" in page and "Service desk</textarea>" in page  # kept as typed
    status, page = owner.post_file(
        "/processes", "parts.bpmn", foreign, "/processes", {"lane_table": "Service desk = after_sales"}
    )
    assert status == 200 and 'id="versions-parts_arrival"' in page, page


def test_the_navigation_counts_the_open_tasks_and_the_site_has_an_icon(live_server: LiveServer) -> None:
    from harness.http_client import call, login
    from harness.web_client import WebClient

    token = login(live_server.url, "after_sales1")
    for _ in range(2):
        call(live_server.url, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token)
    _, mine = call(live_server.url, "GET", "/api/v1/tasks", token=token)
    desk = WebClient(live_server.url)
    desk.login("after_sales1")
    page = desk.get("/")[1]
    assert f'id="open-task-count">{len(mine)}<' in page and len(mine) >= 2
    status, icon = desk.get("/favicon.ico")
    assert status == 200 and icon.startswith("<svg")
