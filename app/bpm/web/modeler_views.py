"""The process owners' modeler: bpmn-js with its properties panel and the product's entries
(frontend/src, built into frontend/dist by the set-up), a form editor with a live preview, and
deploy through the same validation as every other deploy."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_wtf.csrf import generate_csrf

from app.bpm import definitions, migrations, users
from app.bpm.db import db
from app.bpm.errors import DeploymentRejected, ServiceError
from app.bpm.forms import FormInvalid, field_views, load_form, read_forms_dir
from app.bpm.http_errors import localized_problems
from app.bpm.http_security import allow_inline_styles
from app.bpm.policies import can_deploy
from app.config import PROJECT_ROOT, Config

from .locale import current_locale
from .views import _t, _tz, _user, login_required, web_blueprint

FRONTEND = PROJECT_ROOT / "frontend"
ASSETS = {
    "modeler.js": FRONTEND / "dist",
    "properties-panel.css": FRONTEND / "node_modules" / "@bpmn-io" / "properties-panel" / "dist" / "assets",
}
LABELS = (
    "form",
    "no_form",
    "group",
    "due",
    "title_en",
    "assignee",
    "condition",
    "bad_duration",
)


def _owner() -> None:
    if not can_deploy(_user()):
        abort(403)


def _forms(process_id: str | None) -> dict[str, dict[str, Any]]:
    config: Config = current_app.config["SHOUHOU"]
    return definitions.forms_for_editing(db.session(), read_forms_dir(config.forms_dir), process_id)


def _form_title(doc: dict[str, Any], locale: str) -> str:
    """A form's title in the reader's language (`title_en` for English when the form has one)."""
    schema = doc.get("schema")
    if not isinstance(schema, dict):
        return ""
    title = (schema.get("title_en") if locale == "en" else None) or schema.get("title") or ""
    return str(title)


def _page(process_id: str | None, diagram_url: str, title: str) -> str:
    forms = _forms(process_id)
    names = users.group_names(db.session(), current_locale())
    settings = {
        "processId": process_id,
        "diagramUrl": diagram_url,
        "deployUrl": url_for("web.modeler_deploy", process_id=process_id)
        if process_id
        else url_for("web.modeler_deploy"),
        "previewUrl": url_for("web.form_preview"),
        "csrfToken": generate_csrf(),
        "forms": sorted(forms),
        "formTitles": {name: _form_title(doc, current_locale()) for name, doc in forms.items()},
        "locale": current_locale(),
        "groups": [{"id": gid, "name": name} for gid, name in sorted(names.items())],
        "labels": {key: _t(f"modeler.{key}") for key in LABELS} | {"group_title": _t("modeler.extensions")},
    }
    schemas = {name: doc["schema"] for name, doc in forms.items()}
    allow_inline_styles()
    return render_template("modeler.html", settings=settings, schemas=schemas, title=title, process_id=process_id)


@web_blueprint.get("/modeler/<process_id>")
@login_required
def modeler_page(process_id: str) -> str:
    _owner()
    definition = definitions.latest(db.session(), process_id, include_retired=True)
    return _page(process_id, url_for("web.modeler_diagram", process_id=process_id), definition.name)


@web_blueprint.get("/modeler/<process_id>/diagram.bpmn")
@login_required
def modeler_diagram(process_id: str) -> Response:
    _owner()
    xml = definitions.latest(db.session(), process_id, include_retired=True).bpmn_xml
    return Response(xml, mimetype="application/xml")


@web_blueprint.get("/modeler")
@login_required
def new_process_page() -> Any:
    """A new diagram: ask for its id and name, then open the modeler on a blank pool."""
    _owner()
    process_id = request.args.get("process_id", "").strip()
    name = request.args.get("name", "").strip()[:200]
    if not process_id:
        return render_template("modeler_new.html", error=None)
    try:
        definitions.new_diagram(process_id, name)
    except ServiceError as err:
        return render_template("modeler_new.html", error=_t(err.message_key)), 400
    diagram = url_for("web.new_diagram", process_id=process_id, name=name)
    return _page(None, diagram, name or process_id)


@web_blueprint.get("/modeler/new.bpmn")
@login_required
def new_diagram() -> Response:
    _owner()
    xml = definitions.new_diagram(request.args.get("process_id", ""), request.args.get("name", "")[:200])
    return Response(xml, mimetype="application/xml")


@web_blueprint.post("/modeler/deploy")
@web_blueprint.post("/modeler/<process_id>/deploy")
@login_required
def modeler_deploy(process_id: str | None = None) -> Any:
    """JSON in ({"xml", "forms": {name: schema}}), JSON out; CSRF token in X-CSRFToken."""
    _owner()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str):
        return jsonify({"error": {"code": "bad_request", "message": _t("error.bad_request")}}), 400
    forms = _forms(process_id)
    edited = body.get("forms") or {}
    if not isinstance(edited, dict):
        return jsonify({"error": {"code": "bad_request", "message": _t("error.bad_request")}}), 400
    for name, schema in edited.items():
        forms[str(name)] = {"schema": schema, "ui": (forms.get(str(name)) or {}).get("ui")}
    try:
        options = definitions.deploy_options_of(db.session(), process_id)  # a foreign diagram keeps its options
        xml = body["xml"].encode("utf-8")
        result = definitions.deploy(db.session(), xml, forms, _user(), "modeler.bpmn", options)
    except DeploymentRejected as err:
        message = _t("deploy.refused")
        problems = localized_problems(err.problems, current_locale())
        return jsonify({"error": {"code": err.code, "message": message}, "problems": problems}), 400
    key = "modeler.deployed" if result.created else "modeler.unchanged"
    row = result.definition
    message = _t(key, process_id=row.process_id, version=row.version)
    return jsonify(
        {"process_id": row.process_id, "version": row.version, "created": result.created, "message": message}
    )


@web_blueprint.post("/processes/<process_id>/versions/<int:version>/retire")
@login_required
def retire_version(process_id: str, version: int) -> Any:
    retired = request.form.get("retired", "true") == "true"
    definitions.set_retired(db.session(), _user(), process_id, version, retired)
    flash(
        _t("version.retired_now" if retired else "version.reinstated_now", process_id=process_id, version=version),
        "success",
    )
    return redirect(url_for("web.processes_page") + f"#versions-{process_id}")


@web_blueprint.post("/modeler/forms/preview")
@login_required
def form_preview() -> Any:
    """The form as a task page would show it, or what is wrong with its schema."""
    _owner()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"problems": [_t("error.bad_request")]}), 400
    try:
        form = load_form(str(body.get("name") or "preview"), body.get("schema"), body.get("ui"))
    except FormInvalid as err:
        return jsonify({"problems": err.problems}), 400
    fields = field_views(form, current_locale(), {}, {}, _tz())
    html = render_template("_form_preview.html", form=form, fields=fields)
    return jsonify({"html": html, "problems": []})


@web_blueprint.get("/vendor/modeler/<filename>")
def modeler_asset(filename: str) -> Response:
    """The modeler bundle and its stylesheet, built from the npm packages by the set-up."""
    folder = ASSETS.get(filename)
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=3600)


@web_blueprint.get("/processes/<process_id>/diff")
@login_required
def version_diff(process_id: str) -> str:
    """Two versions side by side, elements added, removed and changed marked on both."""
    old = request.args.get("old", type=int) or 0
    new = request.args.get("new", type=int) or 0
    diff = definitions.diff_versions(db.session(), process_id, old, new)
    marks = {
        "old": {c.element_id: c.change for c in diff.changes if c.change in ("removed", "changed")},
        "new": {c.element_id: c.change for c in diff.changes if c.change in ("added", "changed")},
    }
    return render_template("version_diff.html", diff=diff, marks=marks, process_id=process_id)


@web_blueprint.get("/processes/<process_id>/versions/<int:version>/diagram.bpmn")
@login_required
def version_diagram(process_id: str, version: int) -> Response:
    row = definitions.version(db.session(), process_id, version)
    return Response(row.bpmn_xml, mimetype="application/xml")


@web_blueprint.route("/processes/<process_id>/migrate", methods=["GET", "POST"])
@login_required
def migrate_instances(process_id: str) -> Any:
    """Running instances of older versions: the dry run (GET), then moving the chosen (POST)."""
    target = request.values.get("to", type=int) or definitions.latest(db.session(), process_id).version
    results = None
    if request.method == "POST":
        chosen = [int(v) for v in request.form.getlist("instance") if v.isdigit()]
        results = migrations.migrate(db.session(), _user(), process_id, target, chosen)
        moved = sum(1 for r in results if r.moved)
        flash(_t("migrate.done", moved=moved, version=target), "success" if moved else "error")
    rows = migrations.dry_run(db.session(), _user(), process_id, target)
    return render_template("migrate.html", process_id=process_id, target=target, rows=rows, results=results)
