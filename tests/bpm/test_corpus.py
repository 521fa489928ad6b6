"""Diagrams from other tools (../shared/corpus) through the public path: each file is deployed
over HTTP with the options a process owner would choose (a group for lanes, the pool to run,
a descriptive model), started, and worked through the API (every open task completed with
what its form asks, every awaited message sent, timers fired with `flask timers fire-due`)
until it completes; or it is refused with every reason naming its element. `OUTCOMES` is the
table of what each file does; the README states the count."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from harness.http_client import call, login, upload
from harness.servers import LiveServer

API = "/api/v1"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
FILES = sorted(p.name for p in CORPUS.glob("*") if p.suffix in (".bpmn", ".xml")) if CORPUS.is_dir() else []
LANES = {"*": "process_owners"}  # the deployer's choice for lanes these files name (Lane 1, Sales...)
MAX_ROUNDS = 40

# file -> (deploy options beyond LANES, outcome): "completed" runs to its end through the API;
# "refused" is turned down at deploy with reasons naming elements. Callees come before callers.
DESCRIPTIVE = {"descriptive": "true"}
OUTCOMES: dict[str, tuple[dict[str, str], str]] = {
    "c7ex__subProcess.bpmn": ({}, "completed"),  # deployed first: c7ex__mainProcess calls it
    "c7ex__mainProcess.bpmn": ({}, "completed"),
    "miwg__A.1.0.bpmn": ({"process_id": "WFP-6-"}, "completed"),  # marked not executable: chosen by the deployer
    "miwg__A.2.0.bpmn": ({"process_id": "WFP-6-", **DESCRIPTIVE}, "completed"),
    "miwg__A.3.0.bpmn": ({"process_id": "WFP-6-", **DESCRIPTIVE}, "refused"),  # a sub-process without a start event
    "miwg__A.4.0.bpmn": ({"process_id": "WFP-6-1", **DESCRIPTIVE}, "completed"),
    "miwg__C.1.0.bpmn": (DESCRIPTIVE, "refused"),
    "miwg__C.4.0.bpmn": ({"process_id": "_42cba3a9-a8ab-40b5-b9a4-2e8f32be364e", **DESCRIPTIVE}, "completed"),
    "c7engine__BoundaryErrorEventTest.testCatchErrorOnSubprocessSetsErrorVariables.bpmn": ({}, "completed"),
    "c7engine__BoundaryTimerNonInterruptingEventTest.testJoin.bpmn20.xml": ({}, "completed"),
    "c7engine__MessageEventSubprocessTest.testNonInterruptingWithTerminatingEndEvent.bpmn20.xml": ({}, "completed"),
    "c7engine__MessageStartEventTest.testDeployStartAndIntermediateEventWithSameMessageInSameProcess.bpmn": (
        {},
        "completed",
    ),
    "c7engine__ParallelGatewayTest.testReceyclingExecutionWithCallActivity.bpmn20.xml": ({}, "completed"),
    "c7ex__camunda-testing-job-announcement-publication.bpmn": ({}, "refused"),
    "c7ex__camunda-testing-job-announcement.bpmn": ({}, "refused"),  # its callee is refused (Java expressions)
    "c7ex__quarkus-extension__spin-plugin-example__process.bpmn": ({}, "refused"),
    "c7ex__spring-boot-starter__external-task-client__loan-granting-spring-boot-webapp__bpmn__loan-granting.bpmn": (
        {},
        "refused",
    ),
    "c7ex__startevent__message-start__message_start_process.bpmn": ({}, "completed"),
    "c7ex__usertask__task-camunda-forms__invoiceApproval.bpmn": ({}, "completed"),
    "c7ex__usertask__task-form-embedded-bpmn-events__invoicePayment.bpmn": ({}, "completed"),
    "libbpmn__test-cases__inclusive-gateway-with-condition.bpmn": ({}, "refused"),
    "libbpmn__test-cases__message-EventBasedGateway.bpmn": ({}, "refused"),
    "libbpmn__test-cases__message-intermediate-timer-event.bpmn": ({}, "refused"),
    "libbpmn__test-cases__simple-link-events.bpmn": ({}, "refused"),
    "libbpmn__test-cases__subprocess-fork-controlled-parallel-join.bpmn": ({}, "refused"),
    "libbpmn__test-cases__user-tasks-with-parallel-gateways.bpmn": ({}, "completed"),
    "miwg__B.2.0.bpmn": ({}, "refused"),
    "miwg__C.6.0.bpmn": ({}, "refused"),  # compensation
    "miwg__C.9.1.bpmn": ({}, "refused"),
    "paed01__lanes.bpmn": ({}, "refused"),
    "paed01__mother-of-all.bpmn": ({}, "refused"),
    "paed01__one-or-the-other.bpmn": (
        {},
        "error",
    ),  # a parallel join after an interrupted branch: deadlock, shown as error
    "paed01__task-with-multi-instance-loop.bpmn": ({}, "refused"),
    "paed01__timers.bpmn": ({}, "refused"),
}


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="module")
def tokens(base: str) -> dict[str, str]:
    return {name: login(base, name) for name in ("process_owners1", "admins1", "integrations1")}


def _sample(node: dict[str, Any]) -> Any:
    """A value a person could enter in a generated field."""
    if node.get("enum"):
        return node["enum"][0]
    kind, fmt = node.get("type"), node.get("format")
    if kind == "boolean":
        return True
    if kind in ("number", "integer"):
        return 1
    if fmt == "date":
        return date.today().isoformat()
    if fmt == "date-time":
        return datetime.now(UTC).isoformat()
    return "ok"


def _answer(base: str, token: str, task_id: str) -> dict[str, Any]:
    status, task = call(base, "GET", f"{API}/tasks/{task_id}", token=token)
    assert status == 200, task
    form = task.get("form") or {}
    properties = (form.get("schema") or {}).get("properties") or {}
    return {name: _sample(node) for name, node in properties.items()}


def drive(app: Flask, base: str, tokens: dict[str, str], process_id: str) -> tuple[str, dict[str, Any]]:
    """Start and work an instance through the API until it ends or nothing more can be done."""
    status, body = call(
        base, "POST", f"{API}/process-instances", {"process_id": process_id, "data": {}}, tokens["process_owners1"]
    )
    if status == 403:  # no lanes at all: only admins start it
        status, body = call(
            base, "POST", f"{API}/process-instances", {"process_id": process_id, "data": {}}, tokens["admins1"]
        )
    if status != 201:
        return f"start:{status}", body
    instance_id, owner = body["id"], tokens["process_owners1"]
    horizon, rounds_with_timers = datetime.now(UTC), 0
    for _ in range(MAX_ROUNDS):
        status, body = call(base, "GET", f"{API}/process-instances/{instance_id}", token=tokens["admins1"])
        assert status == 200, body
        if body["status"] != "running":
            return str(body["status"]), body
        waiting = body["waiting_for"]
        if waiting["timers"] and rounds_with_timers < 3:  # as in life: the hour passes before all is done
            rounds_with_timers += 1
            horizon = max(horizon, *(datetime.fromisoformat(t["due_at"]) for t in waiting["timers"]))
            fire_due(app, horizon)
            continue
        if body["open_tasks"]:
            task = body["open_tasks"][0]
            status, done = call(
                base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": _answer(base, owner, task["id"])}, owner
            )
            assert status in (200, 422), done  # 422: the diagram's own logic failed (reported, kept)
            if status == 422:
                return "task_refused", done
            continue
        if waiting["messages"]:
            name = waiting["messages"][0]
            message = {"correlation": {"process_instance_id": instance_id}, "payload": {}}
            status, sent = call(
                base, "POST", f"{API}/messages/{quote(name, safe='')}", message, tokens["integrations1"]
            )
            assert status == 200, sent
            continue
        if waiting["timers"]:
            horizon = max(horizon, *(datetime.fromisoformat(t["due_at"]) for t in waiting["timers"]))
            fire_due(app, horizon)
            continue
        return "stuck", body
    return "rounds", body


def fire_due(app: Flask, horizon: datetime) -> None:
    result = app.test_cli_runner().invoke(
        args=["timers", "fire-due", "--now", (horizon + timedelta(seconds=1)).isoformat()]
    )
    assert result.exit_code == 0, result.output


def deploy(base: str, token: str, name: str, options: dict[str, str]) -> tuple[int, Any]:
    fields = {"lane_groups": json.dumps(LANES), **options}
    return upload(base, f"{API}/process-definitions", name, (CORPUS / name).read_bytes(), token, fields)


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside this checkout")
def test_every_corpus_file_runs_or_is_refused_by_element(app: Flask, base: str, tokens: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    for name in sorted(FILES, key=lambda n: (list(OUTCOMES).index(n) if n in OUTCOMES else len(OUTCOMES), n)):
        options, _expected = OUTCOMES.get(name, ({}, "?"))
        status, body = deploy(base, tokens["process_owners1"], name, options)
        if status == 400:
            problems = body.get("problems") or []
            assert problems and all(len(p["message"]) > 20 for p in problems), (name, body)
            seen[name] = "refused"
            print(name, "refused", [(p["code"], p.get("element_id")) for p in problems][:3])
            continue
        assert status in (200, 201), (name, body)
        outcome, final = drive(app, base, tokens, body["process_id"])
        seen[name] = outcome
        print(name, outcome, final.get("error"))
    print(json.dumps(seen, indent=1))
    assert {n: o for n, (_, o) in OUTCOMES.items()} == {n: seen[n] for n in OUTCOMES}


A2 = "miwg__A.2.0.bpmn"  # Task 1, then a gateway without conditions to Task 2, Task 3 or Task 4


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside this checkout")
def test_a_file_marked_not_executable_is_refused_naming_its_pools_until_one_is_chosen(
    base: str, tokens: dict[str, str]
) -> None:
    status, body = deploy(base, tokens["process_owners1"], "miwg__A.4.0.bpmn", {})
    assert status == 400
    [problem] = body["problems"]
    assert problem["code"] == "executable_process_count" and "'Pool' (WFP-6-1)" in problem["message"]
    status, body = deploy(base, tokens["process_owners1"], "miwg__A.4.0.bpmn", {"process_id": "nope"})
    assert status == 400 and body["problems"][0]["code"] == "process_choice"


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside this checkout")
@pytest.mark.parametrize("branch", [0, 1, 2])
def test_a_descriptive_gateway_is_decided_by_the_task_before_it(
    app: Flask, base: str, tokens: dict[str, str], branch: int
) -> None:
    status, deployed = deploy(base, tokens["process_owners1"], A2, {"process_id": "WFP-6-", **DESCRIPTIVE})
    assert status in (200, 201), deployed
    owner = tokens["process_owners1"]
    status, started = call(base, "POST", f"{API}/process-instances", {"process_id": "WFP-6-", "data": {}}, owner)
    assert status == 201, started
    [first] = started["open_tasks"]
    assert first["title"] == "Task 1"
    status, task = call(base, "GET", f"{API}/tasks/{first['id']}", token=owner)
    schema = task["form"]["schema"]
    [route] = schema["required"]  # the way on is a required choice, labelled by where it leads
    assert schema["properties"][route]["x-enumNames"] == ["Task 2", "Task 3", "Task 4"]
    status, body = call(base, "POST", f"{API}/tasks/{first['id']}/complete", {"data": {}}, owner)
    assert status == 400 and route in body["errors"]
    choice = schema["properties"][route]["enum"][branch]
    status, after = call(base, "POST", f"{API}/tasks/{first['id']}/complete", {"data": {route: choice}}, owner)
    assert status == 200, after
    assert [t["title"] for t in after["open_tasks"]] == [f"Task {branch + 2}"]


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside this checkout")
def test_the_lane_table_is_checked_and_a_bad_one_is_refused(base: str, tokens: dict[str, str]) -> None:
    name = "c7ex__usertask__task-camunda-forms__invoiceApproval.bpmn"
    content = (CORPUS / name).read_bytes()
    path, owner = f"{API}/process-definitions", tokens["process_owners1"]
    status, body = upload(base, path, name, content, owner)
    assert status == 400 and body["problems"][0]["code"] == "no_lane"
    assert 'lane_groups "*"' in body["problems"][0]["message"]
    status, body = upload(base, path, name, content, owner, {"lane_groups": "[1, 2]"})
    assert status == 400 and "lane_groups" in body["errors"]
    status, body = upload(base, path, name, content, owner, {"lane_groups": json.dumps({"*": "no_such_group"})})
    assert status == 400 and any("no_such_group" in p["message"] for p in body["problems"])
    status, body = upload(base, path, name, content, owner, {"lane_groups": json.dumps({"*": "office"})})
    assert status in (200, 201), body
    status, started = call(
        base, "POST", f"{API}/process-instances", {"process_id": body["process_id"], "data": {}}, login(base, "office1")
    )
    assert status == 201 and started["open_tasks"][0]["group"] == "office"
