"""BPMN conformance through the public path: one small diagram per behaviour the modeler's
palette offers (tests/fixtures/conformance), deployed over HTTP, started, worked, sent messages
and timers fired with `flask timers fire-due`, down to the final state and the path taken.
Each runs right or is refused at deploy naming the element; "running with nothing open" is
never an outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from harness.http_client import call, login, upload
from harness.servers import LiveServer

API = "/api/v1"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "conformance"


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="module")
def owner(base: str) -> str:
    return login(base, "process_owners1")


@pytest.fixture(scope="module")
def admin(base: str) -> str:
    return login(base, "admins1")


@pytest.fixture(scope="module")
def integration(base: str) -> str:
    return login(base, "integrations1")  # sends messages for other systems


def deploy(base: str, token: str, name: str) -> tuple[int, Any]:
    return upload(base, f"{API}/process-definitions", name, (FIXTURES / name).read_bytes(), token)


def deployed(base: str, token: str, name: str) -> None:
    status, body = deploy(base, token, name)
    assert status in (200, 201), body


def start(base: str, token: str, process_id: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    status, body = call(base, "POST", f"{API}/process-instances", {"process_id": process_id, "data": data or {}}, token)
    assert status == 201, body
    return body  # type: ignore[no-any-return]


def instance(base: str, token: str, instance_id: int) -> dict[str, Any]:
    status, body = call(base, "GET", f"{API}/process-instances/{instance_id}", token=token)
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def complete(base: str, token: str, task: dict[str, Any], data: dict[str, Any] | None = None) -> tuple[int, Any]:
    return call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": data or {}}, token)


def completed(base: str, token: str, task: dict[str, Any], data: dict[str, Any] | None = None) -> dict[str, Any]:
    status, body = complete(base, token, task, data)
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def names(body: dict[str, Any]) -> list[str]:
    return sorted(t["name"] for t in body["open_tasks"])


def fire_due(app: Flask, at: datetime) -> str:
    result = app.test_cli_runner().invoke(args=["timers", "fire-due", "--now", at.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def history(base: str, token: str, instance_id: int) -> list[dict[str, Any]]:
    status, body = call(base, "GET", f"{API}/process-instances/{instance_id}/history", token=token)
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def refusal(base: str, token: str, name: str) -> list[dict[str, Any]]:
    status, body = deploy(base, token, name)
    assert status == 400 and body["error"]["code"] == "invalid_diagram", body
    return body["problems"]  # type: ignore[no-any-return]


def test_event_based_gateway_message_wins(base: str, admin: str, integration: str) -> None:
    deployed(base, admin, "event_gateway.bpmn")
    started = start(base, admin, "conf_event_gateway")
    assert started["status"] == "running" and started["open_tasks"] == []
    status, body = call(
        base,
        "POST",
        f"{API}/messages/conformance_reply",
        {"correlation": {"process_instance_id": started["id"]}, "payload": {"answer": "yes"}},
        integration,
    )
    assert status == 200 and body["delivered_to"] == [started["id"]], body
    done = instance(base, admin, started["id"])
    assert done["status"] == "completed"
    assert "timer_fired" not in [e["action"] for e in history(base, admin, started["id"])]


def test_event_based_gateway_timer_wins(app: Flask, base: str, admin: str, integration: str) -> None:
    deployed(base, admin, "event_gateway.bpmn")
    started = start(base, admin, "conf_event_gateway")
    fire_due(app, datetime.now(UTC) + timedelta(minutes=59))
    assert instance(base, admin, started["id"])["status"] == "running"
    fire_due(app, datetime.now(UTC) + timedelta(hours=1, minutes=1))
    assert instance(base, admin, started["id"])["status"] == "completed"
    status, body = call(
        base,
        "POST",
        f"{API}/messages/conformance_reply",
        {"correlation": {"process_instance_id": started["id"]}, "payload": {}},
        integration,
    )
    assert status == 404, body  # the timer won: nobody waits for the reply any more


def test_plain_and_manual_tasks_are_marked_done_by_their_lane(base: str, owner: str) -> None:
    deployed(base, owner, "plain_and_manual_tasks.bpmn")
    started = start(base, owner, "conf_plain_tasks")
    [plain] = started["open_tasks"]
    assert (plain["name"], plain["group"]) == ("plain", "process_owners")
    status, body = complete(base, owner, plain, {"anything": 1})
    assert status == 400 and "anything" in body["errors"]  # no form: nothing to drop silently
    after = completed(base, owner, plain)
    assert names(after) == ["manual"]
    assert completed(base, owner, after["open_tasks"][0])["status"] == "completed"


@pytest.mark.parametrize(
    ("answer", "end_state_data"),
    [({"approved": True, "amount": 500}, "approved"), ({"approved": False, "amount": 500}, "rejected")],
)
def test_form_less_user_task_data_reaches_the_gateway(
    base: str, owner: str, answer: dict[str, Any], end_state_data: str
) -> None:
    deployed(base, owner, "formless_decision.bpmn")
    started = start(base, owner, "conf_formless")
    [decide] = started["open_tasks"]
    status, detail = call(base, "GET", f"{API}/tasks/{decide['id']}", token=owner)
    assert status == 200
    assert detail["form"]["schema"]["properties"]["approved"]["type"] == "boolean"
    assert detail["form"]["schema"]["properties"]["amount"]["type"] == "number"
    status, body = complete(base, owner, decide, {**answer, "unrelated": "x"})
    assert status == 400 and "unrelated" in body["errors"]
    status, body = complete(base, owner, decide, {"approved": "yes please", "amount": 1})
    assert status == 400 and "approved" in body["errors"]  # typed as the condition compares it
    done = completed(base, owner, decide, answer)
    assert done["status"] == "completed"
    assert instance(base, owner, started["id"])["data"]["approved"] is answer["approved"]


def test_timer_cycle_r3_fires_exactly_three_times(app: Flask, base: str, owner: str) -> None:
    deployed(base, owner, "timer_cycle.bpmn")
    started = start(base, owner, "conf_timer_cycle")
    t0 = datetime.now(UTC)
    for hours in range(1, 6):
        fire_due(app, t0 + timedelta(hours=hours, minutes=1))
    body = instance(base, owner, started["id"])
    assert names(body) == ["follow_up", "follow_up", "follow_up", "work"]
    fired = [e for e in history(base, owner, started["id"]) if e["action"] == "timer_fired"]
    assert len(fired) == 3


def test_call_activity_runs_a_separately_deployed_process(base: str, owner: str) -> None:
    errors = refusal(base, owner, "caller.bpmn") if not _deployed(base, owner, "conf_callee") else None
    if errors is not None:  # the callee is not deployed yet: the refusal says so, by element
        assert errors[0]["element_id"] == "call_inspection"
        assert "conf_callee" in errors[0]["message"] and "neither in this file nor deployed" in errors[0]["message"]
    deployed(base, owner, "callee.bpmn")
    deployed(base, owner, "caller.bpmn")
    started = start(base, owner, "conf_caller")
    assert names(started) == ["inspect"]  # the called process's task, in the caller's instance
    after = completed(base, owner, started["open_tasks"][0])
    assert names(after) == ["after"]
    assert completed(base, owner, after["open_tasks"][0])["status"] == "completed"


def _deployed(base: str, token: str, process_id: str) -> bool:
    status, body = call(base, "GET", f"{API}/process-definitions", token=token)
    assert status == 200
    return any(d["process_id"] == process_id for d in body)


@pytest.mark.parametrize("broken", [True, False])
def test_error_boundary_on_a_sub_process(base: str, owner: str, broken: bool) -> None:
    deployed(base, owner, "error_boundary.bpmn")
    started = start(base, owner, "conf_error_boundary")
    [attempt] = started["open_tasks"]
    after = completed(base, owner, attempt, {"broken": broken})
    if broken:
        assert names(after) == ["handle"]
        after = completed(base, owner, after["open_tasks"][0])
    assert after["status"] == "completed"


def test_escalation_from_a_sub_process_reaches_its_boundary(base: str, owner: str) -> None:
    deployed(base, owner, "escalation.bpmn")
    started = start(base, owner, "conf_escalation")
    assert names(started) == ["finish", "notify"]  # non-interrupting: the work goes on
    tasks = {t["name"]: t for t in started["open_tasks"]}
    completed(base, owner, tasks["notify"])
    assert completed(base, owner, tasks["finish"])["status"] == "completed"


@pytest.mark.parametrize("kind", ["parallel", "sequential"])
def test_multi_instance_over_a_collection(base: str, owner: str, kind: str) -> None:
    deployed(base, owner, f"multi_instance_{kind}.bpmn")
    started = start(base, owner, f"conf_mi_{kind}", {"units": ["SN-1", "SN-2", "SN-3"]})
    assert len(started["open_tasks"]) == (3 if kind == "parallel" else 1)
    body = started
    for round_no in range(3):
        body = completed(base, owner, body["open_tasks"][0], {"result": f"ok {round_no}"})
    assert body["status"] == "completed"
    assert sorted(instance(base, owner, started["id"])["data"]["results"]) == ["ok 0", "ok 1", "ok 2"]


def test_multi_instance_over_the_limit_is_refused_not_run(base: str, owner: str) -> None:
    deployed(base, owner, "multi_instance_parallel.bpmn")
    status, body = call(
        base,
        "POST",
        f"{API}/process-instances",
        {"process_id": "conf_mi_parallel", "data": {"units": list(range(5000))}},
        owner,
    )
    assert status == 422, body
    assert "check_unit" in body["error"]["message"] and "5000" in body["error"]["message"]


@pytest.mark.parametrize(
    ("flags", "branches"),
    [
        ({"dirty": True, "squeaks": True}, ["clean_it", "oil_it2"]),
        ({"dirty": False, "squeaks": False}, ["oil_it"]),  # no condition holds: the default flow
    ],
)
def test_inclusive_split_and_join(base: str, owner: str, flags: dict[str, bool], branches: list[str]) -> None:
    deployed(base, owner, "inclusive.bpmn")
    started = start(base, owner, "conf_inclusive", flags)
    assert names(started) == branches
    body = started
    for task in started["open_tasks"]:
        body = completed(base, owner, task)
    assert names(body) == ["confirm"]  # the join waited for exactly the branches taken
    assert completed(base, owner, body["open_tasks"][0])["status"] == "completed"


def test_signal_thrown_by_one_instance_reaches_those_waiting(base: str, owner: str, admin: str) -> None:
    deployed(base, owner, "signal_catch.bpmn")
    deployed(base, owner, "signal_throw.bpmn")
    waiting = [start(base, owner, "conf_signal_catch") for _ in range(2)]
    assert all(w["open_tasks"] == [] and w["status"] == "running" for w in waiting)
    thrower = start(base, admin, "conf_signal_throw")
    assert thrower["status"] == "completed"
    for w in waiting:
        assert names(instance(base, owner, w["id"])) == ["recall_units"]
        assert "signal_received" in [e["action"] for e in history(base, owner, w["id"])]


def test_terminate_end_in_a_parallel_split_ends_every_branch(base: str, owner: str) -> None:
    deployed(base, owner, "terminate.bpmn")
    started = start(base, owner, "conf_terminate")
    tasks = {t["name"]: t for t in started["open_tasks"]}
    assert sorted(tasks) == ["fast", "slow"]
    done = completed(base, owner, tasks["fast"])
    assert done["status"] == "completed" and done["open_tasks"] == []
    status, _ = complete(base, owner, tasks["slow"])
    assert status in (404, 409)  # the other branch's task went with it


def test_compensation_is_refused_precisely(base: str, owner: str) -> None:
    errors = refusal(base, owner, "compensation.bpmn")
    assert {e["element_id"] for e in errors} == {"on_compensate", "undo_booking", "compensate"}
    assert all("compensation is not supported" in e["message"] for e in errors)
    assert {e["title"] for e in errors} == {"不支持的 BPMN 元素"}  # the kind, in the user's language


def test_intermediate_timer(app: Flask, base: str, owner: str) -> None:
    deployed(base, owner, "intermediate_timer.bpmn")
    started = start(base, owner, "conf_intermediate_timer")
    assert started["open_tasks"] == []
    fire_due(app, datetime.now(UTC) + timedelta(days=1, minutes=1))
    body = instance(base, owner, started["id"])
    assert names(body) == ["call_back"]


def test_message_start_event_starts_an_instance(base: str, owner: str) -> None:
    deployed(base, owner, "message_start.bpmn")
    status, body = call(
        base,
        "POST",
        f"{API}/messages/conformance_order",
        {"correlation": {"business_key": "PO-7"}, "payload": {"order_no": "PO-7"}},
        owner,
    )
    assert status == 200, body
    [new_id] = body["started"]
    started = instance(base, owner, new_id)
    assert names(started) == ["handle_order"]
    assert started["business_key"] == "PO-7" and started["data"]["order_no"] == "PO-7"


def test_loop_without_a_wait_state_is_an_error_not_a_stall(base: str, admin: str) -> None:
    deployed(base, admin, "script_loop.bpmn")
    status, body = call(base, "POST", f"{API}/process-instances", {"process_id": "conf_script_loop", "data": {}}, admin)
    assert status == 422, body
    assert "loop without a wait state at" in body["error"]["message"]


def test_an_instance_that_cannot_go_on_is_marked_error_with_where_it_stopped(base: str, admin: str) -> None:
    deployed(base, admin, "deadlock.bpmn")  # an exclusive split joined by a parallel gateway
    started = start(base, admin, "conf_deadlock")
    assert started["status"] == "error" and started["open_tasks"] == []
    assert "cannot go on" in started["error"] and "both" in started["error"]
    assert "instance_failed" in [e["action"] for e in history(base, admin, started["id"])]


@pytest.mark.parametrize(
    ("fixture", "old", "new", "element_id", "reason"),
    [
        ("timer_cycle.bpmn", "R3/PT1H", "R/PT0S", "reminder", "more often than once every 60 seconds"),
        ("timer_cycle.bpmn", "R3/PT1H", "R5/PT10S", "reminder", "more often than once every 60 seconds"),
        ("intermediate_timer.bpmn", "P1D", "P300000Y", "wait_day", "longer than the longest timer"),
        (
            "multi_instance_parallel.bpmn",
            "<bpmn:loopDataInputRef>units</bpmn:loopDataInputRef>",
            "<bpmn:loopCardinality>10000000</bpmn:loopCardinality>",
            "check_unit",
            "more than the 200 instances",
        ),
    ],
)
def test_unbounded_timers_and_multi_instances_are_refused_at_deploy(
    base: str, owner: str, fixture: str, old: str, new: str, element_id: str, reason: str
) -> None:
    content = (FIXTURES / fixture).read_text(encoding="utf-8")
    assert old in content
    status, body = upload(base, f"{API}/process-definitions", fixture, content.replace(old, new).encode(), owner)
    assert status == 400, body
    [problem] = [p for p in body["problems"] if p["element_id"] == element_id]
    assert reason in problem["message"], problem


def test_camunda_form_fields_become_the_task_form(base: str, owner: str) -> None:
    content = (FIXTURES / "formless_decision.bpmn").read_text(encoding="utf-8")
    declared = (
        '<bpmn:userTask id="decide" name="Decide"><bpmn:extensionElements><camunda:formData>'
        '<camunda:formField id="approved" label="Approved?" type="boolean" />'
        '<camunda:formField id="amount" label="Amount" type="long"><camunda:validation>'
        '<camunda:constraint name="required" /></camunda:validation></camunda:formField>'
        '<camunda:formField id="channel" label="Channel" type="enum"><camunda:value id="mail" name="Mail" />'
        '<camunda:value id="phone" name="Phone" /></camunda:formField>'
        "</camunda:formData></bpmn:extensionElements></bpmn:userTask>"
    )
    content = content.replace('<bpmn:userTask id="decide" name="Decide"/>', declared)
    content = content.replace(
        'id="conf_formless" name="Form-less decision"', 'id="conf_camunda_form" name="Camunda form"'
    )
    status, body = upload(base, f"{API}/process-definitions", "camunda_form.bpmn", content.encode(), owner)
    assert status in (200, 201), body
    started = start(base, owner, "conf_camunda_form")
    status, detail = call(base, "GET", f"{API}/tasks/{started['open_tasks'][0]['id']}", token=owner)
    schema = detail["form"]["schema"]
    assert schema["required"] == ["amount"]
    assert schema["properties"]["amount"] == {"type": "integer", "title": "Amount"}
    assert schema["properties"]["channel"]["x-enumNames"] == ["Mail", "Phone"]
    status, errors = complete(base, owner, started["open_tasks"][0], {"approved": True})
    assert status == 400 and "amount" in errors["errors"]
    done = completed(base, owner, started["open_tasks"][0], {"approved": True, "amount": 10, "channel": "mail"})
    assert done["status"] == "completed"


def test_a_timer_cycle_that_fell_behind_fires_once_a_pass_and_keeps_its_count(
    app: Flask, base: str, owner: str
) -> None:
    deployed(base, owner, "timer_cycle.bpmn")
    started = start(base, owner, "conf_timer_cycle")
    late = datetime.now(UTC) + timedelta(hours=5)  # a worker that was down: all three firings overdue
    for passes in range(2):
        fire_due(app, late)
        assert names(instance(base, owner, started["id"])).count("follow_up") == 1, passes  # once, not three times
    fire_due(app, late + timedelta(hours=1, minutes=1))  # then on, an hour apart
    fire_due(app, late + timedelta(hours=2, minutes=2))
    fire_due(app, late + timedelta(hours=9))
    body = instance(base, owner, started["id"])
    assert body["status"] == "running" and names(body).count("follow_up") == 3  # R3: never more
    assert body["waiting_for"]["timers"] == []  # the exhausted cycle waits for nothing
