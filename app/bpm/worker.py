"""The background worker: fires due timers and seals new audit events into the hash chain,
until stopped (SIGTERM/SIGINT end it cleanly)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType

from flask import Flask, current_app
from sqlalchemy.orm import Session

from app.bpm import audit, timers
from app.bpm.db import db
from app.bpm.models import utcnow
from app.bpm.modules import installed
from app.config import Config

log = logging.getLogger("shouhou.worker")


def run_worker(app: Flask, once: bool = False) -> None:
    config: Config = app.config["SHOUHOU"]
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("worker stopping on signal %s", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    while not stop.is_set():
        run_pass(app, stop.is_set)
        if once:
            break
        stop.wait(config.worker_interval_seconds)


def run_pass(app: Flask, should_stop: Callable[[], bool] = lambda: False) -> None:
    """One pass: fire the due timers, then seal the audit events written since the last pass.
    A stop (SIGTERM) is noticed between instances: what was fired is committed, the rest of
    the pass is left to the next worker, and the sealing too (the next pass or `audit verify`)."""
    _each_in_its_own_session(app, lambda: _fire_timers(should_stop), "timer pass")
    if not should_stop():
        _each_in_its_own_session(app, _scheduled_passes, "scheduled passes")
    if not should_stop():
        _each_in_its_own_session(app, _seal_audit_trail, "sealing the audit trail")


def _fire_timers(should_stop: Callable[[], bool]) -> None:
    config: Config = current_app.config["SHOUHOU"]
    report = timers.fire_due(db.session(), batch=config.timer_batch, should_stop=should_stop)
    if report.fired or report.failed:
        log.info("fired %s timers (%s failed)", report.fired, report.failed)


def run_scheduled(session: Session, now: datetime) -> list[str]:
    """The modules' scheduled passes as of `now`, in module order; a pass that fails is rolled
    back and logged, and the others still run. Returns what each pass reported."""
    lines = []
    for scheduled in installed().scheduled:
        try:
            line = scheduled.run(session, now)
        except Exception:
            session.rollback()
            log.exception("scheduled pass %s failed", scheduled.name)
            lines.append(f"{scheduled.name}: failed (see the log)")
            continue
        if line:
            lines.append(f"{scheduled.name}: {line}")
    return lines


def _scheduled_passes() -> None:
    for line in run_scheduled(db.session(), utcnow()):
        log.info("%s", line)


def _seal_audit_trail() -> None:
    sealed = audit.seal(db.session())
    if sealed:
        log.debug("sealed %s audit events", sealed)


def _each_in_its_own_session(app: Flask, step: Callable[[], None], name: str) -> None:
    with app.app_context():
        try:
            step()
        except Exception:  # a database restart must not end the worker
            log.exception("%s failed; retrying", name)
