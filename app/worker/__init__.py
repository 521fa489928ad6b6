"""The background worker: fires due timers until stopped (SIGTERM/SIGINT end it cleanly)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from flask import Flask

from app.config import Config
from app.extensions import db
from app.services import timers

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
        with app.app_context():
            try:
                report = timers.fire_due(db.session())
                if report.fired or report.failed:
                    log.info("fired %s timers (%s failed)", report.fired, report.failed)
            except Exception:  # a database restart must not end the worker
                log.exception("worker pass failed; retrying")
        if once:
            break
        stop.wait(config.worker_interval_seconds)
