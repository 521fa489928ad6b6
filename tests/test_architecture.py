"""Rules about the code base itself."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from app.cli import upgrade_database
from app.models import Base

APP = Path(__file__).resolve().parent.parent / "app"


def test_only_the_engine_package_imports_spiffworkflow() -> None:
    pattern = re.compile(r"^\s*(from|import)\s+SpiffWorkflow", re.MULTILINE)
    offenders = [
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if "engine" not in path.relative_to(APP).parts and pattern.search(path.read_text())
    ]
    assert offenders == []


def test_only_services_commit() -> None:
    offenders = [
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if path.relative_to(APP).parts[0] not in ("services",) and ".commit()" in path.read_text()
    ]
    assert offenders == []


def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade_database(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []
