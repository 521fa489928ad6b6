"""The hostile-input corpus: each input gets a clear refusal (a 4xx or a named problem),
nothing executes, nothing leaks, and the server stays up."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.bpm.db import DATA_LIMIT_KEY, db
from app.bpm.engine import DiagramInvalid, EngineError, ProcessRun, parse_diagram
from app.bpm.forms import draft_errors, load_form, validate_form_data
from app.bpm.forms.validation import MAX_STRING
from app.bpm.models import AuditEvent, HumanTask
from harness.data import REGISTER
from harness.http_client import call, login, upload
from harness.servers import LiveServer
from harness.web_client import WebClient

from .test_engine import SCRIPT_DIAGRAM

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]
COMPLAINT = (ROOT / "bpmn" / "complaint_handling.bpmn").read_text()

# --- XML -----------------------------------------------------------------------------------
HOSTILE_XML: dict[str, bytes] = {
    "xxe_local_file": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    "xxe_network": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><r>&x;</r>',
    "external_dtd": b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><r/>',
    "parameter_entity": b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>',
    "billion_laughs": b'<!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><l>&d;</l>',
    "doctype_in_utf16": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM '
    '"file:///etc/passwd">]><r>&x;</r>'.encode("utf-16"),
    "huge_file": b"<r>" + b"<a/>" * 600_000 + b"</r>",
    "deep_nesting": b"<a>" * 5000 + b"</a>" * 5000,
    "wide_tree": b"<r>" + b"<a></a>" * 30_000 + b"</r>",
    "binary_garbage": bytes(range(256)) * 10,
    "not_bpmn": b'<?xml version="1.0"?><html><body>hello</body></html>',
    "xinclude": b'<?xml version="1.0"?><r xmlns:xi="http://www.w3.org/2001/XInclude">'
    b'<xi:include href="/etc/passwd" parse="text"/></r>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_XML))
def test_hostile_xml_is_refused_with_a_reason(name: str) -> None:
    with pytest.raises(DiagramInvalid) as info:
        parse_diagram(HOSTILE_XML[name])
    problem = info.value.problems[0]
    assert problem.message
    assert "root:" not in problem.message


# --- scripts and expressions ---------------------------------------------------------------
HOSTILE_SCRIPTS: dict[str, str] = {
    "import_os": "import os\nos.system('touch /tmp/shouhou-pwned')",
    "dunder_import": "__import__('os').system('id')",
    "subclasses_walk": "x = ().__class__.__base__.__subclasses__()",
    "getattr_dunder": "x = getattr((), '__class__')",
    "format_walk": "x = '{0.__class__}'.format(1)",
    "open_file": "x = open('/etc/passwd').read()",
    "eval_builtin": "x = eval('1+1')",
    "exec_builtin": "exec('import os')",
    "globals_peek": "x = globals()",
    "class_definition": "class A:\n    pass",
    "endless_loop": "while True:\n    pass",
    "string_bomb": "x = 'a' * 10**10",
    "list_bomb": "x = [0] * 10**9",
    "power_bomb": "x = 2 ** 10**9",
    "pow_builtin_bomb": "x = pow(10, 10**9)",
    "shift_bomb": "x = 1 << 10**10",
    "percent_format_bomb": "x = '%999999999d' % 1",
    "fstring_width_bomb": "x = f'{1:>999999999}'",
    "padding_bomb": "x = 'a'.ljust(10**10)",
    "doubling_loop": "s = 'ab'\nwhile True:\n    s = s + s",
    "inplace_bomb": "s = 'a'\ns *= 10**10",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SCRIPTS))
def test_hostile_script_task_is_refused_or_fails_cleanly(name: str, tmp_path: Path) -> None:
    diagram = SCRIPT_DIAGRAM.replace("{script}", HOSTILE_SCRIPTS[name].replace("<", "&lt;")).encode()
    with pytest.raises((DiagramInvalid, EngineError)):
        ProcessRun.start(parse_diagram(diagram), {})
    assert not Path("/tmp/shouhou-pwned").exists()


def _with_condition(condition: str) -> bytes:
    return COMPLAINT.replace(
        ">confirmed</bpmn:conditionExpression>", f">{condition}</bpmn:conditionExpression>"
    ).encode()


@pytest.mark.parametrize(
    "condition",
    ["__import__('os').system('id')", "().__class__.__base__", "[x for x in ().__class__.__mro__]", "'a' * 10**10"],
)
def test_hostile_gateway_conditions_are_refused_or_fail_cleanly(condition: str) -> None:
    with pytest.raises((DiagramInvalid, EngineError)):
        model = parse_diagram(_with_condition(condition))
        run = ProcessRun.start(model, {})
        for element in ("register_complaint", "contact_customer", "confirm_complaint"):
            task = next(t for t in run.ready_tasks() if t.element_id == element)
            run.complete_user_task(task.task_id, {"confirmed": True})


@pytest.mark.parametrize("expression", ["__import__('os').getcwd()", "().__class__", "'P' + 'T1H' * 10**9"])
def test_hostile_timer_expressions_are_refused_or_fail_cleanly(expression: str) -> None:
    diagram = COMPLAINT.replace('"PT1H"</bpmn:timeDuration>', f"{expression}</bpmn:timeDuration>").encode()
    with pytest.raises((DiagramInvalid, EngineError)):
        model = parse_diagram(diagram)
        run = ProcessRun.start(model, {})
        task = next(t for t in run.ready_tasks() if t.element_id == "register_complaint")
        run.complete_user_task(task.task_id, {})


# --- HTTP ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def _open_task(base: str, token: str) -> str:
    status, body = call(base, "POST", f"{API}/process-instances", {"process_id": "complaint_handling"}, token)
    assert status == 201
    return str(body["open_tasks"][0]["id"])


@pytest.mark.parametrize(
    ("name", "raw", "status"),
    [
        ("oversized_json", b'{"data": {"description": "' + b"x" * (5 * 1024 * 1024) + b'"}}', 413),
        ("deeply_nested_json", b'{"data": ' + b'{"a": ' * 100 + b"1" + b"}" * 101, 400),
        ("nested_arrays", b"[" * 100_000 + b"]" * 100_000, 400),
        ("data_is_a_list", b'{"data": [1, 2, 3]}', 400),
        ("data_is_a_string", b'{"data": "x"}', 400),
        ("wrong_field_types", json.dumps({"data": {**REGISTER, "quantity": "many", "ship_date": 5}}).encode(), 400),
        ("unknown_fields", json.dumps({"data": {**REGISTER, "is_admin": True}}).encode(), 400),
        ("dunder_keys", json.dumps({"data": {**REGISTER, "__class__": 1}}).encode(), 400),
        ("invalid_utf8", b'{"data": {"customer": "\xff\xfe"}}', 400),
        ("nan", b'{"data": {"quantity": NaN}}', 400),
    ],
)
def test_hostile_json_gets_a_4xx_and_the_server_stays_up(base: str, name: str, raw: bytes, status: int) -> None:
    token = login(base, "after_sales1")
    task_id = _open_task(base, token)
    answer_status, body = call(base, "POST", f"{API}/tasks/{task_id}/complete", token=token, raw=raw)
    assert answer_status == status, body
    assert isinstance(body, dict) and "error" in body  # JSON, not an HTML page or a stack trace
    assert call(base, "GET", f"{API}/tasks/{task_id}", token=token)[0] == 200  # still open, server up


def test_hostile_upload_through_the_api_is_a_400(base: str) -> None:
    token = login(base, "process_owners1")
    for name in ("xxe_local_file", "billion_laughs", "deep_nesting"):
        status, body = upload(base, f"{API}/process-definitions", f"{name}.bpmn", HOSTILE_XML[name], token)
        assert status == 400 and body["problems"], name


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer forged-token", "Basic YWRtaW46YWRtaW4=", "bearer  "])
def test_requests_without_a_valid_token_are_401(base: str, header: str) -> None:
    headers = {"Authorization": header} if header else {}
    status, body = call(base, "GET", f"{API}/tasks", headers=headers)
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_one_users_ids_in_anothers_requests(base: str) -> None:
    task_id = _open_task(base, login(base, "after_sales1"))
    outsider = login(base, "engineers1")
    for method, path, body in [
        ("GET", f"/tasks/{task_id}", None),
        ("POST", f"/tasks/{task_id}/claim", None),
        ("POST", f"/tasks/{task_id}/draft", {"data": {"customer": "x"}}),
        ("POST", f"/tasks/{task_id}/complete", {"data": REGISTER}),
    ]:
        status, _ = call(base, method, API + path, body, outsider)
        assert status == 404, (method, path)


def test_markup_in_form_fields_is_shown_as_text_to_other_users(base: str) -> None:
    token = login(base, "after_sales1")
    task_id = _open_task(base, token)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    status, instance = call(
        base, "POST", f"{API}/tasks/{task_id}/complete", {"data": {**REGISTER, "customer": evil}}, token
    )
    assert status == 200
    reader = WebClient(base)
    reader.login("after_sales_leads1")
    status, page = reader.get(f"/instances/{instance['id']}")
    assert status == 200
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/login", {"username": "after_sales1", "password": "shouhou-demo"}),
        ("/logout", {}),
        ("/start", {"process_id": "complaint_handling"}),
        ("/tasks/{task}", {"_task_action": "claim"}),
        ("/tasks/{task}", {"_task_action": "release"}),
        ("/tasks/{task}", {"_task_action": "draft", "customer": "x"}),
        ("/tasks/{task}", {"_task_action": "complete", **{k: str(v) for k, v in REGISTER.items()}}),
    ],
)
def test_every_web_form_needs_its_csrf_token(base: str, path: str, fields: dict[str, str]) -> None:
    client = WebClient(base)
    client.login("after_sales1")
    task_id = _open_task(base, login(base, "after_sales1"))
    status, body = client.post(path.format(task=task_id), fields)
    assert status == 400 and "页面已过期" in body
    assert call(base, "GET", f"{API}/tasks/{task_id}", token=login(base, "after_sales1"))[1]["status"] == "ready"


# --- values no form may store (issue 12) ---------------------------------------------------
FAR_INSTANT = "9999-12-31T23:59:59-23:59"  # no UTC instant: it used to be a 500, then a broken task page


def _field_block(page: str, name: str) -> str:
    match = re.search(rf'<div class="field[^"]*" id="field-{name}".*?</div>', page, re.S)
    assert match is not None, name
    return match.group(0)


def test_a_date_time_beyond_the_calendar_is_refused_beside_its_field(base: str) -> None:
    token = login(base, "after_sales1")
    task_id = _open_task(base, token)
    status, body = call(
        base, "POST", f"{API}/tasks/{task_id}/complete", {"data": {**REGISTER, "received_at": FAR_INSTANT}}, token
    )
    assert status == 400 and body["errors"]["received_at"] == ["日期应在 2000 年到 2100 年之间。"]
    for bad in ("1999-12-31", "2101-01-01"):
        status, body = call(
            base, "POST", f"{API}/tasks/{task_id}/complete", {"data": {**REGISTER, "ship_date": bad}}, token
        )
        assert status == 400 and list(body["errors"]) == ["ship_date"], bad
    web = WebClient(base)
    web.login("after_sales1")
    page_path = f"/tasks/{task_id}"
    fields = {"_task_action": "complete", **{k: str(v) for k, v in REGISTER.items()}, "received_at": FAR_INSTANT}
    status, page = web.post(page_path, fields, csrf_from=page_path)
    assert status == 400 and "日期应在 2000 年到 2100 年之间" in _field_block(page, "received_at")
    assert FAR_INSTANT in _field_block(page, "received_at")  # shown back as typed
    # a draft keeps what was typed, unchecked: the task page still opens with it
    status, _ = web.post(page_path, {**fields, "_task_action": "draft"}, csrf_from=page_path)
    assert status == 200
    status, page = web.get(page_path)
    assert status == 200 and FAR_INSTANT in _field_block(page, "received_at")
    assert call(base, "GET", f"{API}/tasks/{task_id}", token=token)[0] == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact_email", "a" * (2 * 1024 * 1024) + "@example.com"),  # a 2 MB e-mail address was stored
        ("contact_email", "a" * 190 + "@example.com"),  # its maxLength is 200
        ("ship_date", "2026-10-01" + " " * 20_000 + "x"),
        ("channel", "phone" * 10_000),
    ],
)
def test_every_string_bound_applies_to_e_mail_date_and_choice_fields(base: str, field: str, value: str) -> None:
    token = login(base, "after_sales1")
    task_id = _open_task(base, token)
    status, body = call(base, "POST", f"{API}/tasks/{task_id}/complete", {"data": {**REGISTER, field: value}}, token)
    assert status == 400 and list(body["errors"]) == [field]
    assert "长度应在" in body["errors"][field][0]
    assert call(base, "GET", f"{API}/tasks/{task_id}", token=token)[1]["status"] == "ready"


def test_a_string_field_without_max_length_is_capped_and_one_with_it_keeps_its_own() -> None:
    form = load_form(
        "note",
        {
            "type": "object",
            "properties": {
                "note": {"type": "string"},
                "on": {"type": "string", "format": "date"},
                "drawing": {"type": "string", "maxLength": 420_000},  # a schema's own bound goes higher
            },
        },
    )
    assert validate_form_data(form, {"drawing": "x" * 420_000}, "en")[1] == {}
    assert list(validate_form_data(form, {"drawing": "x" * 420_001}, "en")[1]) == ["drawing"]
    assert validate_form_data(form, {"note": "x" * MAX_STRING}, "en") == ({"note": "x" * MAX_STRING}, {})
    clean, errors = validate_form_data(form, {"note": "x" * (MAX_STRING + 1)}, "en")
    assert clean == {} and errors == {"note": [f"Length must be between 0 and {MAX_STRING}."]}
    assert validate_form_data(form, {"on": "2100-12-31"}, "en")[1] == {}
    assert validate_form_data(form, {"on": "9999-06-01"}, "en")[1] == {"on": ["The date must lie in 2000 to 2100."]}


@pytest.fixture
def small_data_limit(app: Flask) -> Iterator[int]:
    """The live app's instance-data limit lowered to 6 KiB for one test (as
    SHOUHOU_MAX_INSTANCE_DATA would set it), so that a form's own bounds can pass it."""
    factory = app.extensions["shouhou_db"].session_factory
    info = dict(factory.kw["info"])
    factory.configure(info={**info, DATA_LIMIT_KEY: 6 * 1024})
    try:
        yield 6 * 1024
    finally:
        factory.configure(info=info)


def _instance_row(app: Flask, task_id: str) -> tuple[int, dict[str, object], int]:
    """(row version, data, audit events) of the task's instance, as stored."""
    with app.app_context():
        session = db.session()
        task = session.get(HumanTask, task_id)
        assert task is not None
        instance = task.instance
        events = session.scalars(select(func.count()).where(AuditEvent.instance_id == instance.id)).one()
        return instance.row_version, dict(instance.data), events


def test_a_step_leaving_the_data_over_its_limit_is_refused_and_nothing_is_written(
    base: str, app: Flask, small_data_limit: int
) -> None:
    token = login(base, "after_sales1")
    task_id = _open_task(base, token)
    stored = _instance_row(app, task_id)
    long_text = {k: "长" * 1000 for k in ("description", "customer_demand")}  # 3 kB of UTF-8 each, twice
    status, body = call(base, "POST", f"{API}/tasks/{task_id}/complete", {"data": {**REGISTER, **long_text}}, token)
    assert status == 413 and body["error"]["code"] == "data_too_large"
    assert "超过上限 6 KiB，未保存任何内容" in body["error"]["message"]
    assert call(base, "GET", f"{API}/tasks/{task_id}", token=token)[1]["status"] == "ready"
    assert _instance_row(app, task_id) == stored
    # within the limit the same task completes
    assert call(base, "POST", f"{API}/tasks/{task_id}/complete", {"data": REGISTER}, token)[0] == 200


# --- drafts (issue 12): unfinished input is kept unvalidated, but bounded ------------------
PNG_URI = "data:image/png;base64,iVBORw0KGgo="
HTML_URI = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
NO_DATA_URI = "此字段不能保存嵌入的文件或图片（data: 地址）。"


def _draft_of(base: str, task_id: str, token: str) -> dict[str, object]:
    status, body = call(base, "GET", f"{API}/tasks/{task_id}", token=token)
    assert status == 200
    return dict(body["data"])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"customer": "半填", "evil": "x"}, "evil", "表单中没有此字段。"),
        ({"customer": "x" * 201}, "customer", "长度应在 0 到 200 个字符之间。"),
        ({"quantity": "9" * (MAX_STRING + 1)}, "quantity", f"长度应在 0 到 {MAX_STRING} 个字符之间。"),
        ({"description": HTML_URI}, "description", NO_DATA_URI),
        ({"description": "  DATA:image/png;base64,AAAA"}, "description", NO_DATA_URI),
    ],
)
def test_an_api_draft_out_of_bounds_is_refused_and_nothing_is_kept(
    base: str, data: dict[str, object], field: str, message: str
) -> None:
    token = login(base, "after_sales1")
    task_id = _open_task(base, token)
    kept = {"customer": "先存一半", "contact_name": "王"}
    assert call(base, "POST", f"{API}/tasks/{task_id}/draft", {"data": kept}, token)[0] == 200
    status, body = call(base, "POST", f"{API}/tasks/{task_id}/draft", {"data": data}, token)
    assert status == 400 and body["errors"] == {field: [message]}
    shown = _draft_of(base, task_id, token)
    assert shown["customer"] == "先存一半" and shown.get(field) != data[field]


def test_a_draft_may_be_short_of_a_minimum_and_unchecked_in_type(base: str) -> None:
    token = login(base, "after_sales1")
    task_id = _open_task(base, token)
    half = {"customer": "x" * 200, "quantity": "十", "ship_date": "下周"}
    assert call(base, "POST", f"{API}/tasks/{task_id}/draft", {"data": half}, token)[0] == 200
    assert {k: _draft_of(base, task_id, token)[k] for k in half} == half


def test_a_draft_over_the_data_limit_is_refused(base: str, app: Flask, small_data_limit: int) -> None:
    token = login(base, "after_sales1")
    task_id = _open_task(base, token)
    long_text = {"description": "长" * 2000, "customer_demand": "长" * 2000}  # each within its field, 12 kB
    status, body = call(base, "POST", f"{API}/tasks/{task_id}/draft", {"data": long_text}, token)
    assert status == 413 and body["error"]["code"] == "data_too_large"
    with app.app_context():
        task = db.session().get(HumanTask, task_id)
        assert task is not None and not task.draft


def test_a_web_draft_out_of_bounds_is_shown_back_beside_its_field(base: str) -> None:
    token = login(base, "after_sales1")
    task_id = _open_task(base, token)
    web = WebClient(base)
    web.login("after_sales1")
    page_path = f"/tasks/{task_id}"
    status, page = web.post(
        page_path, {"_task_action": "draft", "customer": "某医院", "description": HTML_URI}, csrf_from=page_path
    )
    assert status == 400 and "data: 地址" in _field_block(page, "description")
    assert 'value="某医院"' in _field_block(page, "customer")  # what was typed is not lost
    status, page = web.post(page_path, {"_task_action": "draft", "customer": "x" * 201}, csrf_from=page_path)
    assert status == 400 and "长度应在 0 到 200" in _field_block(page, "customer")
    assert "customer" not in _draft_of(base, task_id, token)
    draft = {"_task_action": "draft", "customer": "某医院", "evil": "x"}
    status, page = web.post(page_path, draft, csrf_from=page_path)
    assert status == 200 and "草稿已保存" in page  # a name the form lacks is not read from a page
    assert _draft_of(base, task_id, token)["customer"] == "某医院"


def test_a_data_uri_is_kept_in_a_draft_only_in_the_signature_field() -> None:
    form = load_form(
        "record",
        {
            "type": "object",
            "properties": {
                "note": {"type": "string", "minLength": 5},
                "choices": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                "drawing": {"type": "string", "maxLength": 420_000},
            },
        },
        {"drawing": {"ui:widget": "signature"}},
    )
    assert draft_errors(form, {"drawing": PNG_URI, "note": "x"}, "en") == {}  # a minimum waits for completion
    assert draft_errors(form, {"note": PNG_URI}, "en") == {
        "note": ["This field cannot hold an embedded file or image (a data: URI)."]
    }
    assert list(draft_errors(form, {"choices": ["a", HTML_URI]}, "en")) == ["choices"]
    assert list(draft_errors(form, {"drawing": "x" * 420_001}, "en")) == ["drawing"]
    no_form = draft_errors(None, {"x": 1}, "en")
    assert no_form == {"x": ["This task has no form: it is only marked done and takes no data."]}
