"""Operator commands (API.md): db upgrade, deploy, seed-demo, worker, timers fire-due,
audit verify. Each runs inside the app context that `flask --app app` provides."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.bpm.db import db

from .config import PROJECT_ROOT, Config


def alembic_config(url: str) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def _config() -> Config:
    config: Config = current_app.config["SHOUHOU"]
    return config


db_group = AppGroup("db", help="Database schema (Alembic).")
timers_group = AppGroup("timers", help="Timer events.")
audit_group = AppGroup("audit", help="The audit trail.")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema, and the standard groups."""
    from app.demo import seed_groups

    upgrade_database(_config().database_url, revision)
    seed_groups(db.session())
    click.echo(f"database at {revision}")


@click.command("deploy")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lane-groups", help='JSON: lane name -> group id; "*" for other lanes and tasks outside lanes')
@click.option("--process-id", help="the process (pool) to run when the file holds several")
@click.option("--descriptive", is_flag=True, help="translate descriptive constructs into human decisions and tasks")
def deploy(paths: tuple[Path, ...], lane_groups: str | None, process_id: str | None, descriptive: bool) -> None:
    """Deploy diagrams (default: all of bpmn/) with their forms as new versions. For a diagram
    from another tool: --lane-groups '{"Lane 1": "office", "*": "after_sales"}', --process-id,
    --descriptive (API.md)."""
    import json

    from app.bpm import definitions
    from app.bpm.engine import DeployOptions
    from app.bpm.errors import DeploymentRejected
    from app.bpm.forms import read_forms_dir
    from app.bpm.policies import CONSOLE

    config = _config()
    forms = read_forms_dir(config.forms_dir)
    try:
        lanes = json.loads(lane_groups) if lane_groups else {}
    except ValueError:
        lanes = None
    if not isinstance(lanes, dict) or not all(isinstance(v, str) for v in lanes.values()):
        raise click.BadParameter("a JSON object from lane names to group ids", param_hint="--lane-groups")
    options = DeployOptions(lanes, process_id, descriptive)
    failed = False
    for path in list(paths) or sorted(config.bpmn_dir.glob("*.bpmn")):
        try:
            result = definitions.deploy(db.session(), path.read_bytes(), forms, CONSOLE, path.name, options)
        except DeploymentRejected as err:
            failed = True
            click.echo(f"{path.name}: refused", err=True)
            for problem in err.problems:
                where = problem["element_id"] or (f"line {problem['line']}" if problem["line"] else "")
                click.echo(f"  - {where}: {problem['message']}", err=True)
            continue
        state = "deployed" if result.created else "unchanged"
        click.echo(f"{result.definition.process_id} version {result.definition.version} ({state})")
    if failed:
        raise SystemExit(1)


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo organisation (idempotent)."""
    from app.demo import DEMO_PASSWORD
    from app.demo import seed_demo as run

    names = run(db.session())
    click.echo(f"{len(names)} demo users, password {DEMO_PASSWORD}: {', '.join(names)}")
    click.echo("demo customers, contracts and equipment units (in and out of warranty) loaded")


@timers_group.command("fire-due")
@click.option("--now", "now_text", help="ISO 8601 instant to fire as of (default: the clock)")
def fire_due(now_text: str | None) -> None:
    """Fire every timer due at or before --now, then run the modules' scheduled passes as of
    that instant (what falls due by the calendar opens)."""
    from app.bpm import timers
    from app.bpm.models import utcnow
    from app.bpm.worker import run_scheduled

    now = _parse_instant(now_text) if now_text else None
    report = timers.fire_due(db.session(), now)
    click.echo(f"fired {report.fired} timers in {report.instances} instances ({report.failed} failed)")
    for line in run_scheduled(db.session(), now or utcnow()):
        click.echo(line)


@audit_group.command("verify")
def audit_verify() -> None:
    """Seal events the workers have not chained yet, then check the whole hash chain; exit 1
    naming the first broken event."""
    from app.bpm import audit

    session = db.session()
    sealed = audit.seal(session)
    report = audit.verify(session)
    if report.intact:
        late = f", {report.pending} written during the check not sealed yet" if report.pending else ""
        click.echo(f"audit trail intact: {report.checked} events ({sealed} sealed now{late}), head {report.head}")
        return
    where = f"event {report.broken_event_id}" if report.broken_event_id else "the chain's end"
    click.echo(f"audit trail BROKEN at {where}: {report.problem} ({report.checked} intact before it)", err=True)
    raise SystemExit(1)


@click.command("worker")
@click.option("--once", is_flag=True, help="do one pass and exit")
def worker(once: bool) -> None:
    """Run the background worker: due timers, until SIGTERM."""
    from app.bpm.worker import run_worker

    run_worker(current_app._get_current_object(), once=once)  # type: ignore[attr-defined]


def _parse_instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 instant: {text}") from None
    if value.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-11-27T09:00:00+08:00")
    return value


def register_cli(app: Flask) -> None:
    for command in (db_group, timers_group, audit_group, deploy, seed_demo, worker):
        app.cli.add_command(command)
