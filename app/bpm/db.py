"""The database handle: `db` is created unbound; `init_app` gives each app its own engine, and
every session the app's plugin registry (`app.bpm.plugins.registry_of`)."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from app.bpm.plugins import SESSION_KEY, PluginRegistry

DATA_LIMIT_KEY = "shouhou_max_instance_data_bytes"  # in every session's info, read by app.bpm.runs
DEFAULT_DATA_LIMIT = 1024 * 1024


class BoundDatabase:
    """One app's engine and session factory."""

    def __init__(self, url: str, registry: PluginRegistry, data_limit: int = DEFAULT_DATA_LIMIT) -> None:
        self.engine = make_engine(url)
        info = {SESSION_KEY: registry, DATA_LIMIT_KEY: data_limit}
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False, info=info)


class Database:
    def init_app(self, app: Flask, url: str, registry: PluginRegistry, data_limit: int = DEFAULT_DATA_LIMIT) -> None:
        app.extensions["shouhou_db"] = BoundDatabase(url, registry, data_limit)
        app.teardown_appcontext(self._close)

    @staticmethod
    def bound() -> BoundDatabase:
        bound: BoundDatabase = current_app.extensions["shouhou_db"]
        return bound

    def session(self) -> Session:
        """The request's (or CLI command's) session, created on first use."""
        if "db_session" not in g:
            g.db_session = self.bound().session_factory()
        session: Session = g.db_session
        return session

    def _close(self, exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def _json_text(value: Any) -> str:
    """Chinese stays readable in stored JSON (and searchable with LIKE on SQLite)."""
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {"json_serializer": _json_text}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs.update(pool_size=10, max_overflow=10)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    else:
        _ping_idle_connections(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use when it has been idle: a database restart is then
    noticed before a request, not by it. Under load connections come back within
    milliseconds, and a ping on each checkout would cost a round trip on every request."""

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as err:  # the pool replaces the connection and tries again
            raise exc.DisconnectionError() from err

    event.listen(engine.pool, "checkin", checked_in)
    event.listen(engine.pool, "checkout", checked_out)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so concurrent writers queue instead of
    # failing with "database is locked" half-way through a transaction.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


db = Database()
