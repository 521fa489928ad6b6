"""Fixtures: an app per test module on a fresh database (SQLite file, or PostgreSQL for the
tests marked `postgres`), migrated with Alembic, with the demo organisation and the diagrams."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app import create_app
from app.cli import upgrade_database
from app.config import Config
from app.extensions import db
from app.forms_runtime import read_forms_dir
from app.models import User
from app.services import definitions
from app.services.demo import seed_demo

PG_ADMIN_URL = os.environ.get("SHOUHOU_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("SHOUHOU_REQUIRE_PG") == "1"


def _postgres_database() -> str:
    """Create a fresh database for this test run; fail (in CI) or skip when there is no server."""
    name = f"shouhou_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as err:
        if REQUIRE_PG:
            raise
        pytest.skip(f"PostgreSQL not reachable: {err}")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def build_app(url: str, tmp: Path) -> Flask:
    upgrade_database(url)
    config = Config(database_url=url, secret_key="test-secret", testing=True)
    app = create_app(config, instance_path=str(tmp / "instance"))
    with app.app_context():
        session = db.session()
        seed_demo(session)
        forms = read_forms_dir(config.forms_dir)
        for path in sorted(config.bpmn_dir.glob("*.bpmn")):
            definitions.deploy(session, path.read_bytes(), forms, None, path.name)
    return app


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "postgres":
        url = _postgres_database()
        yield url
        _drop_postgres_database(url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = build_app(database_url, tmp_path_factory.mktemp("app"))
    yield application
    application.extensions["shouhou_db"].engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield db.session()


def user(session: Session, username: str) -> User:
    from sqlalchemy import select

    found = session.scalars(select(User).where(User.username == username)).one()
    return found


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="module")
def live_server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
