"""Apps for tests and benchmarks: a fresh PostgreSQL database of their own, an app migrated
with Alembic with the demo organisation and the diagrams of bpmn/, and demo users by name."""

from __future__ import annotations

import os
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


def postgres_database() -> str:
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


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def build_app(url: str, tmp: Path, **settings: Any) -> Flask:
    """`settings` override Config fields (a test module's own log-in limits, say)."""
    upgrade_database(url)
    config = Config(database_url=url, secret_key="test-secret", testing=True, **settings)
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
