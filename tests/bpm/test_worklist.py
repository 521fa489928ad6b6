"""The worklist at the point of work (issue 13): deadlines on every row, sort, filters, search,
pages beyond 50, the team view of a group's leads and handing tasks on; through the services
and over real HTTP (pages and API), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.bpm import instances, tasks
from app.bpm.errors import Forbidden, ServiceError
from app.bpm.models import AuditEvent, HumanTask
from app.bpm.policies import can_lead, can_reassign, led_groups
from app.bpm.tasks import WorklistQuery
from harness.apps import user
from harness.data import REGISTER
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def _start(session: Session, now: datetime = T0, key: str | None = None) -> HumanTask:
    """A complaint whose register task (no due time, group after_sales) the starter holds."""
    instance = instances.start_instance(
        session, user(session, "after_sales1"), "complaint_handling", business_key=key, now=now
    )
    [task] = instances.open_tasks(session, instance.id)
    return task


def _registered(session: Session, at: datetime, customer: str = "客户甲") -> HumanTask:
    """A complaint past registration: its contact task is due an hour after `at`, unclaimed."""
    task = _start(session, at)
    tasks.complete(session, user(session, "after_sales1"), task.id, {**REGISTER, "customer": customer}, "en", now=at)
    [follow] = instances.open_tasks(session, task.instance_id)
    return follow


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    """The queries run meanwhile (not the test's savepoints)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _ids(page: tasks.WorklistPage) -> list[str]:
    return [row.task.id for row in page.rows]


# -- service layer -------------------------------------------------------------------------


def test_sixty_tasks_come_in_pages_of_fifty_and_the_rest(session: Session) -> None:
    owner = user(session, "after_sales1")
    made = {_start(session, T0 + timedelta(minutes=i)).id for i in range(60)}
    mine = WorklistQuery(process_id="complaint_handling", sort="created")
    first = tasks.worklist_page(session, owner, mine, now=T0)
    second = tasks.worklist_page(session, owner, WorklistQuery(**{**mine.__dict__, "page": 2}), now=T0)
    assert first.total >= 60 and first.pages == -(-first.total // 50)
    assert len(first.rows) == 50 and not set(_ids(first)) & set(_ids(second))
    beyond = tasks.worklist_page(session, owner, WorklistQuery(**{**mine.__dict__, "page": first.pages + 1}), now=T0)
    assert beyond.rows == [] and beyond.total == first.total
    everything = tasks.worklist_page(session, owner, WorklistQuery(**{**mine.__dict__, "per_page": 500}), now=T0)
    assert everything.per_page == 200  # at most 200 a page
    assert made <= set(_ids(everything))
    created = [row.task.created_at for row in everything.rows]
    assert created == sorted(created)  # sort=created: oldest first


def test_overdue_rows_come_first_then_by_due_time_and_are_marked(session: Session) -> None:
    lead = user(session, "after_sales_leads1")
    late = _registered(session, T0 - timedelta(hours=3))  # due T0-2h
    later = _registered(session, T0 - timedelta(hours=2))  # due T0-1h
    soon = _registered(session, T0)  # due T0+1h
    undated = _start(session, T0)
    tasks.release(session, user(session, "after_sales1"), undated.id)
    page = tasks.worklist_page(session, lead, WorklistQuery(per_page=200), now=T0)
    order = _ids(page)
    assert order.index(late.id) < order.index(later.id) < order.index(soon.id) < order.index(undated.id)
    rows = {row.task.id: row for row in page.rows}
    assert rows[late.id].deadline is not None and rows[late.id].deadline.overdue
    assert rows[late.id].deadline.remaining_seconds == -2 * 3600
    assert rows[soon.id].deadline is not None and not rows[soon.id].deadline.overdue
    assert rows[soon.id].deadline.label is None  # the task's own due time
    assert rows[undated.id].deadline is None
    overdue = tasks.worklist_page(session, lead, WorklistQuery(overdue=True, per_page=200), now=T0)
    assert {late.id, later.id} <= set(_ids(overdue)) and soon.id not in _ids(overdue)
    assert all(row.deadline is not None and row.deadline.overdue for row in overdue.rows)


def test_each_filter_and_the_search(session: Session) -> None:
    lead = user(session, "after_sales_leads1")
    acme = _registered(session, T0, customer="Zebra Logistics 斑马物流")
    keyed = _start(session, T0, key="KEY-7731")
    tasks.release(session, user(session, "after_sales1"), keyed.id)

    def found(**kw: object) -> set[str]:
        return set(_ids(tasks.worklist_page(session, lead, WorklistQuery(per_page=200, **kw), now=T0)))  # type: ignore[arg-type]

    assert found(text="斑马物流") >= {acme.id} and keyed.id not in found(text="斑马物流")  # a customer in the data
    assert found(text="KEY-7731") == {keyed.id}  # the business key (a request number)
    assert acme.id in found(text=acme.title[:3]) and keyed.id not in found(text=acme.title)  # the task's title
    assert found(process_id="no_such_process") == set()
    assert {acme.id, keyed.id} <= found(process_id="complaint_handling")
    assert found(group="after_sales_leads") & {acme.id, keyed.id} == set()
    assert {acme.id, keyed.id} <= found(group="after_sales")


def test_a_page_costs_the_same_few_queries_for_ten_rows_or_fifty(session: Session) -> None:
    for i in range(50):
        _registered(session, T0 + timedelta(minutes=i))
    session.expire_all()
    lead = user(session, "after_sales_leads1")
    lead.group_ids  # noqa: B018  (groups loaded before counting)
    with counted(session) as small:
        page = tasks.worklist_page(session, lead, WorklistQuery(per_page=10), now=T0)
        [row.task.instance.definition.name for row in page.rows]
    session.expire_all()
    lead = user(session, "after_sales_leads1")
    lead.group_ids  # noqa: B018
    with counted(session) as large:
        page = tasks.worklist_page(session, lead, WorklistQuery(per_page=50), now=T0)
        [row.task.instance.definition.name for row in page.rows]
    assert len(page.rows) == 50
    assert len(large) == len(small) <= 4, large


def test_only_a_lead_sees_the_team_worklist(session: Session) -> None:
    lead, member = user(session, "after_sales_leads1"), user(session, "after_sales1")
    held = _start(session)  # held by after_sales1
    assert led_groups(lead) == {"after_sales"} and led_groups(member) == set()
    assert can_lead(lead, "after_sales") and not can_lead(member, "after_sales") and not can_lead(lead, None)
    with pytest.raises(Forbidden):
        tasks.team_worklist(session, member, WorklistQuery())
    team = tasks.team_worklist(session, lead, WorklistQuery(per_page=200), now=T0)
    rows = {row.task.id: row.task for row in team.rows}
    assert rows[held.id].assignee_id == member.id  # who holds it
    assert all(t.candidate_group == "after_sales" for t in rows.values())
    own = tasks.worklist_page(session, lead, WorklistQuery(per_page=200), now=T0)
    assert held.id not in _ids(own)  # not in the lead's own worklist: someone else holds it


def test_a_lead_reassigns_to_a_member_of_the_tasks_group_only(session: Session) -> None:
    lead, member = user(session, "after_sales_leads1"), user(session, "after_sales1")
    held = _start(session)
    assert can_reassign(lead, held) and not can_reassign(member, held)
    with pytest.raises(Forbidden):
        tasks.reassign(session, member, held.id, "after_sales_leads1")
    with pytest.raises(ServiceError) as refused:
        tasks.reassign(session, lead, held.id, "sales1")  # not in after_sales
    assert refused.value.message_key == "error.not_group_member"
    with pytest.raises(ServiceError):
        tasks.reassign(session, lead, held.id, "nobody")
    tasks.reassign(session, lead, held.id, "after_sales_leads1", now=T0)
    session.expire_all()
    assert session.get(HumanTask, held.id).assignee_id == lead.id  # type: ignore[union-attr]
    [moved] = session.scalars(
        select(AuditEvent).where(AuditEvent.task_id == held.id, AuditEvent.action == "task_reassigned")
    ).all()
    assert moved.actor_name == "after_sales_leads1"
    assert moved.details == {"from": "after_sales1", "to": "after_sales_leads1"}


def test_the_holder_delegates_to_a_colleague_of_the_group(session: Session) -> None:
    member, lead = user(session, "after_sales1"), user(session, "after_sales_leads1")
    held = _start(session)
    with pytest.raises(ServiceError):
        tasks.delegate(session, member, held.id, "engineers1")
    with pytest.raises(Forbidden):
        tasks.delegate(session, lead, held.id, "after_sales1")  # not the holder
    tasks.delegate(session, member, held.id, "after_sales_leads1", now=T0)
    session.expire_all()
    assert session.get(HumanTask, held.id).assignee_id == lead.id  # type: ignore[union-attr]
    actions = [e.action for e in instances.history(session, held.instance_id)]
    assert actions[-1] == "task_delegated"


# -- HTTP: pages and API ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def _api_start(base: str, token: str, key: str) -> dict:  # type: ignore[type-arg]
    status, instance = call(
        base, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling", "business_key": key}, token
    )
    assert status == 201
    return dict(instance["open_tasks"][0])


def test_api_worklist_filters_pages_and_deadline_fields(base: str, app: Flask) -> None:
    token = login(base, "after_sales1")
    marker = f"PAGE-{datetime.now(UTC):%H%M%S%f}"
    started = [_api_start(base, token, f"{marker}-{i}") for i in range(3)]
    status, rows = call(base, "GET", f"/api/v1/tasks?q={marker}&per_page=2&sort=created", token=token)
    assert status == 200 and len(rows) == 2
    assert {"deadline_at", "deadline_label", "warn_at", "remaining_seconds", "overdue"} <= rows[0].keys()
    assert {"id", "name", "title", "process_instance_id", "group", "assignee", "due_at"} <= rows[0].keys()
    status, rest = call(base, "GET", f"/api/v1/tasks?q={marker}&per_page=2&sort=created&page=2", token=token)
    assert [r["id"] for r in rows + rest] == [t["id"] for t in started]
    status, none = call(base, "GET", f"/api/v1/tasks?q={marker}&overdue=1", token=token)
    assert status == 200 and none == []  # register tasks have no due time
    status, other = call(base, "GET", f"/api/v1/tasks?q={marker}&process_id=repair_dispatch", token=token)
    assert other == []
    status, bad = call(base, "GET", "/api/v1/tasks?per_page=201", token=token)
    assert status == 400 and "per_page" in bad["errors"]
    status, bad = call(base, "GET", "/api/v1/tasks?sort=sideways&page=x", token=token)
    assert status == 400 and {"sort", "page"} <= bad["errors"].keys()


def test_team_page_for_leads_only_and_reassign_over_http(base: str) -> None:
    token = login(base, "after_sales1")
    marker = f"TEAM-{datetime.now(UTC):%H%M%S%f}"
    task = _api_start(base, token, marker)
    member = WebClient(base)
    member.login("after_sales1")
    status, _ = member.get("/team")
    assert status == 403
    status, page = member.get("/")
    assert "nav-team" not in page
    lead = WebClient(base)
    lead.login("after_sales_leads1")
    status, page = lead.get("/team?" + urllib.parse.urlencode({"q": marker}))
    assert status == 200 and f'data-task-id="{task["id"]}"' in page
    row = page[page.index(f'data-task-id="{task["id"]}"') :]
    assert "售后服务部1" in row[: row.index("</tr>")]  # who holds it (after_sales1, by name)
    status, _ = lead.post(
        f"/tasks/{task['id']}/hand-over",
        {"action": "reassign", "username": "sales1", "next": "/team"},
        csrf_from="/team",
    )
    assert status == 400
    status, _ = lead.post(
        f"/tasks/{task['id']}/hand-over",
        {"action": "reassign", "username": "after_sales_leads1", "next": "/team"},
        csrf_from="/team",
    )
    assert status == 200
    status, listed = call(base, "GET", f"/api/v1/tasks?q={marker}", token=login(base, "after_sales_leads1"))
    assert [t["assignee"] for t in listed] == ["after_sales_leads1"]
    status, refused = call(
        base, "POST", f"/api/v1/tasks/{task['id']}/reassign", {"username": "after_sales1"}, token=token
    )
    assert status == 403, refused


def test_worklist_page_reads_its_parameters_and_links_pages(base: str) -> None:
    token = login(base, "after_sales1")
    marker = f"WEB-{datetime.now(UTC):%H%M%S%f}"
    started = [_api_start(base, token, f"{marker}-{i}") for i in range(3)]
    client = WebClient(base)
    client.login("after_sales1")
    status, page = client.get("/?" + urllib.parse.urlencode({"q": marker, "per_page": "2", "sort": "created"}))
    assert status == 200
    assert re.findall(r'data-task-id="([^"]+)"', page) == [t["id"] for t in started[:2]]
    assert "page=2" in page and 'aria-current="page">1<' in page
    status, page = client.get("/?" + urllib.parse.urlencode({"q": marker, "per_page": "2", "page": "2"}))
    assert re.findall(r'data-task-id="([^"]+)"', page) == [started[2]["id"]]
    status, page = client.get("/?page=abc&sort=sideways&per_page=-4")  # unreadable: ignored, never a 500
    assert status == 200
