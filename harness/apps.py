"""Apps for tests and benchmarks: a fresh PostgreSQL database of their own, an app migrated
with Alembic with the demo organisation and the diagrams of bpmn/, and demo users by name."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from app import create_app
from app.bpm import definitions
from app.bpm.db import db
from app.bpm.forms import read_forms_dir
from app.bpm.models import User
from app.bpm.policies import CONSOLE
from app.cli import upgrade_database
from app.config import Config
from app.demo import seed_demo

PG_ADMIN_URL = os.environ.get("SHOUHOU_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("SHOUHOU_REQUIRE_PG") == "1"


def postgres_database(template: str | None = None) -> str:
    """Create a fresh database for this test run (a copy of `template`, a database's URL, when
    given); fail (in CI) or skip when there is no server."""
    name = f"shouhou_test_{uuid.uuid4().hex[:10]}"
    copy_of = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
        admin.dispose()
    except Exception as err:
        if REQUIRE_PG:
            raise
        pytest.skip(f"PostgreSQL not reachable: {err}")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def build_app(url: str, tmp: Path, prepared: bool = False, **settings: Any) -> Flask:
    """`settings` override Config fields (a test module's own log-in limits, say). `prepared`:
    the database is a copy of one already migrated, seeded and deployed (`PreparedDatabases`)."""
    config = Config(database_url=url, secret_key="test-secret", testing=True, **settings)
    if prepared:
        return create_app(config, instance_path=str(tmp / "instance"))
    upgrade_database(url)
    app = create_app(config, instance_path=str(tmp / "instance"))
    with app.app_context():
        session = db.session()
        seed_demo(session)
        forms = read_forms_dir(config.forms_dir)
        for path in sorted(config.bpmn_dir.glob("*.bpmn")):
            definitions.deploy(session, path.read_bytes(), forms, CONSOLE, path.name)
    return app


def user(session: Session, username: str) -> User:
    found = session.scalars(select(User).where(User.username == username)).one()
    return found


class PreparedDatabases:
    """One database per kind migrated, seeded with the demo organisation and deployed with the
    diagrams once per test run, and a copy of it for each test module (a file copy on SQLite,
    `CREATE DATABASE … TEMPLATE` on PostgreSQL): the same start as building it afresh, in a
    fraction of the time."""

    def __init__(self, tmp: Path) -> None:
        self._tmp = tmp
        self._templates: dict[str, str] = {}

    def copy(self, kind: str, where: Path) -> str:
        template = self._templates.get(kind) or self._prepare(kind)
        if kind == "postgres":
            return postgres_database(template=template)
        target = where / "test.sqlite3"
        shutil.copyfile(template.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"

    def _prepare(self, kind: str) -> str:
        url = postgres_database() if kind == "postgres" else f"sqlite:///{self._tmp / 'template.sqlite3'}"
        build_app(url, self._tmp / kind).extensions["shouhou_db"].engine.dispose()
        self._templates[kind] = url
        return url

    def drop(self) -> None:
        for kind, url in self._templates.items():
            if kind == "postgres":
                drop_postgres_database(url)
