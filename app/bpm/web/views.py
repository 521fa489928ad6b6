"""Thin page handlers: read the request, call one service, render."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from marshmallow import EXCLUDE, Schema, ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from app.bpm import access, definitions, history_text, instances, tasks, users
from app.bpm.api.schemas import worklist_query
from app.bpm.clock import utcnow
from app.bpm.db import db
from app.bpm.engine import DeployOptions
from app.bpm.errors import DeploymentRejected, FormRejected, ServiceError
from app.bpm.forms import coerce_html_form, field_views, read_forms_dir
from app.bpm.logins import Throttle, TooManyAttempts, sign_in
from app.bpm.modules import installed
from app.bpm.plugins import plugin_for
from app.bpm.policies import can_deploy, can_retry, led_groups
from app.config import PROJECT_ROOT, Config
from app.i18n import MESSAGES, translate

from .exports import event_row, history_csv
from .locale import current_locale

if TYPE_CHECKING:
    from app.bpm.models import User

web_blueprint = Blueprint("web", __name__, template_folder="templates")
F = TypeVar("F", bound=Callable[..., Any])


def _t(key: str, **params: Any) -> str:
    return translate(key, current_locale(), **params)


def _tz() -> ZoneInfo:
    config: Config = current_app.config["SHOUHOU"]
    return ZoneInfo(config.timezone)


def remaining_time(seconds: float, locale: str) -> str:
    """One format for every remaining (or overdue, negative) time: the two largest units in
    words, "59 分钟", "1 小时 59 分钟", "4 天 23 小时"."""
    minutes = int(abs(seconds) // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        text = translate("time.days_hours", locale, d=days, h=hours)
    elif hours:
        text = translate("time.hours_minutes", locale, h=hours, m=mins)
    else:
        text = translate("time.minutes", locale, n=mins)
    return translate("time.overdue", locale, t=text) if seconds < 0 else text


@web_blueprint.app_context_processor
def _template_helpers() -> dict[str, Any]:
    tz = _tz()
    locale = current_locale()

    def local_time(value: Any) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    def title(task: Any) -> str:
        return tasks.task_title(task, locale)

    def duration(seconds: float) -> str:
        return remaining_time(seconds, locale)

    def open_task_count() -> int:
        return tasks.open_task_count(db.session(), g.user) if g.get("user") else 0

    def row_summary(task: Any) -> str:
        """The case in a worklist row, as the task's process puts it (from its data alone)."""
        return plugin_for(db.session(), task.instance.process_id).row_summary(task.instance.data)

    user = g.get("user")
    return {
        "_": _t,
        "has_message": lambda key: key in MESSAGES,
        "nav_items": [item for item in installed().nav if user is not None and item.shown(user)],
        "may_deploy": user is not None and can_deploy(user),
        "may_retry": user is not None and can_retry(user),
        "may_lead": user is not None and bool(led_groups(user)),
        "locale": locale,
        "current_user": g.get("user"),
        "local_time": local_time,
        "task_title": title,
        "duration": duration,
        "row_summary": row_summary,
        "open_task_count": open_task_count,
    }


def _config() -> Config:
    config: Config = current_app.config["SHOUHOU"]
    return config


def login_required(fn: F) -> F:
    """The page needs a signed-in user: the cookie's session must still exist on the server
    (one indexed query for the session, its user and groups)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session_id = session.get("sid")
        idle = timedelta(hours=_config().session_idle_hours)
        user = access.user_for_session(db.session(), session_id, idle) if isinstance(session_id, str) else None
        if user is None:
            return redirect(url_for("web.login", next=request.full_path))
        g.user = user
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class FormInput:
    """A posted HTML form read through a marshmallow schema (never field by field): `values`
    is what was typed, to show back; `data` the typed result when it loaded; `errors` by field
    when it did not."""

    values: dict[str, str]
    data: dict[str, Any]
    errors: dict[str, list[str]]


def read_form(schema: Schema) -> FormInput:
    values = request.form.to_dict()
    try:
        return FormInput(values, schema.load(values, unknown=EXCLUDE), {})
    except ValidationError as err:
        return FormInput(values, {}, err.normalized_messages())  # type: ignore[no-untyped-call]


def _user() -> User:
    user: User = g.user
    return user


def _safe_next(target: str | None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.worklist")


@web_blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", error=None)
    username, password = request.form.get("username", ""), request.form.get("password", "")
    try:
        user = sign_in(db.session(), Throttle.of(_config()), username, password, request.remote_addr or "")
    except TooManyAttempts as err:
        page = render_template("login.html", error=_t(err.message_key, **err.params))
        return page, 429, {"Retry-After": str(err.retry_after)}
    if user is None:
        return render_template("login.html", error=_t("error.login")), 401
    idle = timedelta(hours=_config().session_idle_hours)
    session_id = access.open_session(db.session(), user, request.user_agent.string, request.remote_addr, idle)
    _restart_session(sid=session_id)
    return redirect(_safe_next(request.args.get("next")))


def _restart_session(**values: str) -> None:
    """A fresh cookie (nothing of the old one but the language), with `values` in it."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.update(values)


@web_blueprint.post("/logout")
def logout() -> WerkzeugResponse:
    session_id = session.get("sid")
    if isinstance(session_id, str):
        access.end_session(db.session(), session_id)
    _restart_session()
    return redirect(url_for("web.login"))


@web_blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def password_page() -> Any:
    """Change one's password; every other session and token of the user ends."""
    if request.method == "GET":
        return render_template("password.html", error=None)
    try:
        access.change_password(
            db.session(),
            _user(),
            request.form.get("current_password", ""),
            request.form.get("new_password", ""),
            keep_session=session.get("sid"),
        )
    except ServiceError as err:
        return render_template("password.html", error=_t(err.message_key, **err.params)), err.status
    flash(_t("password.changed"), "success")
    return redirect(url_for("web.worklist"))


@web_blueprint.get("/")
@login_required
def worklist() -> str:
    """My open tasks with their deadlines; sort, filters, search and pages are GET parameters."""
    query = worklist_query(request.args, lenient=True)
    session_ = db.session()
    page = tasks.worklist_page(session_, _user(), query, utcnow(), current_locale())
    held = {row.task.candidate_group for row in page.rows if row.task.assignee_id == _user().id}
    return _worklist_page(
        "worklist.html",
        page,
        query,
        sorted(_user().group_ids),
        tasks.group_members(session_, _user(), {g for g in held if g}),
    )


@web_blueprint.get("/team")
@login_required
def team_worklist() -> str:
    """A lead's view: every open task of the groups they lead, who holds it, reassign."""
    query = worklist_query(request.args, lenient=True)
    session_ = db.session()
    page = tasks.team_worklist(session_, _user(), query, utcnow(), current_locale())
    led = sorted(led_groups(_user()))
    return _worklist_page("team.html", page, query, led, tasks.group_members(session_, _user(), set(led)))


def _worklist_page(
    template: str, page: tasks.WorklistPage, query: tasks.WorklistQuery, groups: list[str], members: Any
) -> str:
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        template,
        page=page,
        query=query,
        args=args,
        processes=definitions.list_latest(db.session()),
        groups=groups,
        members=members,
        group_names=users.group_names(db.session(), current_locale()),
        now=utcnow(),
    )


@web_blueprint.post("/tasks/<task_id>/hand-over")
@login_required
def hand_over_task(task_id: str) -> WerkzeugResponse:
    """A lead reassigns a team task (`action=reassign`), or its holder delegates it (`delegate`),
    to a member of the task's group named by `username`."""
    username = request.form.get("username", "")
    if request.form.get("action") == "reassign":
        tasks.reassign(db.session(), _user(), task_id, username)
    else:
        tasks.delegate(db.session(), _user(), task_id, username)
    flash(_t("task.handed_over", user=username), "success")
    return redirect(_safe_next(request.form.get("next")))


TASK_ACTION = "_task_action"


@web_blueprint.get("/tasks/<task_id>")
@login_required
def task_page(task_id: str) -> Any:
    return _render_task(task_id)


def _render_task(
    task_id: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int | None = None,
) -> Any:
    view = tasks.task_view(db.session(), _user(), task_id, current_locale())
    shown = values if values is not None else view.data
    form_fields = (
        field_views(view.form, current_locale(), shown, errors or {}, _tz(), view.choices) if view.form else []
    )
    status = status or (400 if errors else 200)
    names = users.group_names(db.session(), current_locale())
    context = view.context
    return render_template(
        "task.html",
        view=view,
        task=view.task,
        fields=form_fields,
        errors=errors or {},
        group_names=names,
        context=context,
        kept=values is not None and view.task.status != "ready",
    ), status


@web_blueprint.post("/tasks/<task_id>")
@login_required
def task_action(task_id: str) -> Any:
    # The page's own buttons post `_task_action`: no form field can take that name (field names
    # start with a letter), so a field called `action` keeps its value.
    action = request.form.get(TASK_ACTION, "complete")
    session_ = db.session()
    user = _user()
    if action == "claim":
        tasks.claim(session_, user, task_id)
        flash(_t("task.claimed"), "success")
        return redirect(url_for("web.task_page", task_id=task_id))
    if action == "release":
        tasks.release(session_, user, task_id)
        flash(_t("task.released"), "success")
        return redirect(url_for("web.worklist"))
    form = tasks.task_form(session_, user, task_id)
    raw = request.form.to_dict(flat=False)
    data = coerce_html_form(form, raw, _tz()) if form else {}
    try:
        if action == "draft":
            tasks.save_draft(session_, user, task_id, data, current_locale())
            flash(_t("task.draft_saved"), "success")
            return redirect(url_for("web.task_page", task_id=task_id))
        instance = tasks.complete(session_, user, task_id, data, current_locale()).instance
    except FormRejected as err:
        flash(_t("form.has_errors"), "error")
        return _render_task(task_id, values=data, errors=err.errors)
    except ServiceError as err:
        if err.status == 409:  # someone else was first: what this user typed is shown back, not lost
            flash(translate(err.message_key, current_locale(), **err.params), "error")
            return _render_task(task_id, values=data, status=409)
        raise
    flash(_t("task.completed"), "success")
    follow_up = tasks.worklist(session_, user, instance.id)
    if follow_up and follow_up[0].assignee_id == user.id:
        return redirect(url_for("web.task_page", task_id=follow_up[0].id))
    return redirect(url_for("web.instance_page", instance_id=instance.id))


@web_blueprint.get("/start")
@login_required
def start_page() -> str:
    rows = definitions.list_latest(db.session())
    plugins = {d.process_id: plugin_for(db.session(), d.process_id) for d in rows}
    intake = {
        process_id: (plugin.intake_endpoint, plugin.intake_label)
        for process_id, plugin in plugins.items()
        if plugin.intake_endpoint
    }
    return render_template("start.html", definitions=rows, intake=intake)


@web_blueprint.post("/start")
@login_required
def start_process() -> WerkzeugResponse:
    process_id = request.form.get("process_id", "")
    business_key = request.form.get("business_key", "").strip()[:100] or None
    instance = instances.start_instance(db.session(), _user(), process_id, {}, business_key)
    flash(_t("start.started"), "success")
    first = tasks.worklist(db.session(), _user(), instance.id)
    if first and first[0].assignee_id == _user().id:
        return redirect(url_for("web.task_page", task_id=first[0].id))
    return redirect(url_for("web.instance_page", instance_id=instance.id))


@web_blueprint.get("/instances")
@login_required
def instances_page() -> str:
    search = _instance_search()
    rows = instances.search_instances(db.session(), _user(), search)
    processes = sorted({d.process_id for d in definitions.list_latest(db.session())})
    return render_template(
        "instances.html", instances=rows, search=search, processes=processes, args=request.args.to_dict()
    )


def _local_day(name: str, offset: int = 0) -> datetime | None:
    """A `YYYY-MM-DD` query argument as the start of that day (plus `offset` days) in the
    office's time zone; None when absent or malformed."""
    try:
        value = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return datetime.combine(value + timedelta(days=offset), time(0), tzinfo=_tz())


def _history_filter() -> instances.HistoryFilter:
    return instances.HistoryFilter(
        actor=request.args.get("actor") or None,
        action=request.args.get("action") or None,
        element_id=request.args.get("task") or None,
        since=_local_day("from"),
        until=_local_day("to", 1),
    )


def _instance_search() -> instances.InstanceSearch:
    """The business-data search of the instances page and its exports; dates are local days."""
    return instances.InstanceSearch(
        text=request.args.get("q", "").strip()[:100] or None,
        process_id=request.args.get("process_id") or None,
        status=request.args.get("status") or None,
        started_from=_local_day("from"),
        started_to=_local_day("to", 1),
    )


@web_blueprint.get("/instances/history.<fmt>")
@login_required
def search_history_export(fmt: str) -> Response:
    """Every event of the instances the search finds, as CSV or JSON (auditors)."""
    events = instances.search_history(db.session(), _user(), _instance_search())
    return _history_download(events, f"instances-history.{fmt}", fmt)


@web_blueprint.get("/instances/<int:instance_id>")
@login_required
def instance_page(instance_id: int) -> str:
    session_ = db.session()
    view = instances.instance_view(session_, _user(), instance_id)
    only = _history_filter()
    history = instances.history(session_, instance_id, only) if only.active else view.history
    marks = instances.diagram_marks(session_, view.instance)
    return render_template(
        "instance.html",
        view=view,
        instance=view.instance,
        history=history_text.readable_history(session_, history, current_locale(), _tz()),
        actors=sorted({e.actor_name for e in view.history}),
        actions=sorted({e.action for e in view.history}),
        elements=sorted(
            {
                (e.element_id, tasks.element_title(view.instance, e.element_id, current_locale()))
                for e in view.history
                if e.element_id
            }
        ),
        marks={"done": marks.done, "active": marks.active, "waiting": marks.waiting},
        group_names=users.group_names(session_, current_locale()),
        context=instances.work_context(session_, _user(), view.instance, current_locale()),
    )


@web_blueprint.post("/instances/<int:instance_id>/retry")
@login_required
def retry_instance(instance_id: int) -> WerkzeugResponse:
    instances.retry(db.session(), _user(), instance_id)
    flash(_t("instance.retried"), "success")
    return redirect(url_for("web.instance_page", instance_id=instance_id))


@web_blueprint.get("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def instance_diagram(instance_id: int) -> Response:
    return Response(instances.diagram_xml(db.session(), _user(), instance_id), mimetype="application/xml")


@web_blueprint.get("/instances/<int:instance_id>/history.<fmt>")
@login_required
def instance_history_export(instance_id: int, fmt: str) -> Response:
    events = instances.instance_history(db.session(), _user(), instance_id, _history_filter())
    return _history_download(events, f"instance-{instance_id}-history.{fmt}", fmt)


def _history_download(events: list[Any], filename: str, fmt: str) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        shown = history_text.readable_history(db.session(), events, current_locale(), _tz())
        return Response(history_csv(shown, current_locale(), _tz()), mimetype="text/csv", headers=disposition)
    if fmt == "json":
        body = json.dumps([event_row(e) for e in events], ensure_ascii=False, indent=2)
        return Response(body, mimetype="application/json", headers=disposition)
    abort(404)


@web_blueprint.get("/favicon.ico")
def favicon() -> Response:
    """What browsers ask for by themselves; the pages link the same icon."""
    return send_from_directory(Path(__file__).parent / "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@web_blueprint.get("/vendor/bpmn-js/<path:filename>")
def bpmn_js_asset(filename: str) -> Response:
    """bpmn-js as installed from the npm registry by scripts/setup.sh; never from a CDN."""
    return send_from_directory(PROJECT_ROOT / "frontend" / "node_modules" / "bpmn-js" / "dist", filename, max_age=3600)


@web_blueprint.get("/processes")
@login_required
def processes_page() -> str:
    return _processes(db.session(), None)


def _processes(session_: Any, problems: Any, options: dict[str, str] | None = None) -> str:
    groups = users.all_groups(session_)
    return render_template(
        "processes.html",
        versions=definitions.versions(session_),
        problems=problems,
        groups=groups,
        options=options or {},
    )


def _deploy_options(form: Any) -> DeployOptions:
    """The upload dialog's options for a diagram from another tool: a group for lanes not named
    and tasks outside lanes, one `lane name = group` per line, the pool to run, descriptive."""
    lanes: dict[str, str] = {}
    for number, line in enumerate((form.get("lane_table") or "").splitlines()[:200], start=1):
        if not line.strip():
            continue
        lane, sep, group = line.rpartition("=")
        if not sep or not lane.strip() or not group.strip():
            raise ServiceError("deploy.bad_lane_line", line=number)
        lanes[lane.strip()] = group.strip()
    if form.get("default_group"):
        lanes["*"] = form["default_group"]
    process_id = (form.get("process_id") or "").strip()[:200] or None
    return DeployOptions(lanes, process_id, form.get("descriptive") == "on")


@web_blueprint.post("/processes")
@login_required
def deploy_process() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_t("deploy.no_file"), "error")
        return redirect(url_for("web.processes_page"))
    config: Config = current_app.config["SHOUHOU"]
    session_ = db.session()
    kept = {k: request.form.get(k, "") for k in ("default_group", "lane_table", "process_id", "descriptive")}
    try:
        options = _deploy_options(request.form)
        forms = read_forms_dir(config.forms_dir)
        result = definitions.deploy(session_, upload.read(), forms, _user(), upload.filename, options)
    except DeploymentRejected as err:
        flash(_t("deploy.refused"), "error")
        return _processes(session_, err.problems, kept), 400
    except ServiceError as err:
        if err.message_key != "deploy.bad_lane_line":
            raise
        flash(_t(err.message_key, **err.params), "error")
        return _processes(session_, None, kept), 400
    key = "deploy.deployed" if result.created else "deploy.unchanged"
    flash(_t(key, process_id=result.definition.process_id, version=result.definition.version), "success")
    return redirect(url_for("web.processes_page"))
