"""Fixtures: an app per test module on a fresh database (SQLite file, or PostgreSQL for the
tests marked `postgres`), migrated with Alembic, with the demo organisation and the diagrams."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g
from selenium import webdriver
from sqlalchemy.orm import Session

from app.bpm.db import db
from harness.apps import PreparedDatabases, build_app, drop_postgres_database, postgres_database
from harness.browser import chromium
from harness.servers import LiveServer


@pytest.fixture(scope="session")
def prepared_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreparedDatabases]:
    databases = PreparedDatabases(tmp_path_factory.mktemp("templates"))
    yield databases
    databases.drop()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, prepared_databases: PreparedDatabases
) -> Iterator[str]:
    """A module's own database, migrated, with the demo organisation and the diagrams."""
    url = prepared_databases.copy(request.param, tmp_path_factory.mktemp("db"))
    yield url
    if request.param == "postgres":
        drop_postgres_database(url)


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = build_app(database_url, tmp_path_factory.mktemp("app"), prepared=True)
    yield application
    application.extensions["shouhou_db"].engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The app's session inside one outer transaction that is rolled back after the test: the
    services' commits only release savepoints, so every test starts from the module's demo
    data and passes alone. (SQLite: the outer transaction holds the writer's lock; a test
    that needs another connection or process to see its writes takes `committed_session`.)"""
    bound = app.extensions["shouhou_db"]
    with app.app_context():
        connection = bound.engine.connect()
        outer = connection.begin()
        isolated = bound.session_factory(bind=connection, join_transaction_mode="create_savepoint")
        g.db_session = isolated
        try:
            yield isolated
        finally:
            g.pop("db_session", None)
            isolated.close()
            outer.rollback()
            connection.close()


@pytest.fixture
def committed_session(app: Flask) -> Iterator[Session]:
    """The app's own session: what the test commits stays for the rest of the module."""
    with app.app_context():
        yield db.session()


@pytest.fixture(scope="module")
def live_server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def database_url_pg() -> Iterator[str]:
    """An empty PostgreSQL database of its own for one test (skipped without a server, except
    in CI)."""
    url = postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    driver = chromium(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests drive pages over SQLite only: what they add is the page and the browser,
    while every service and API path under them runs on PostgreSQL too in the API tests (and
    the concurrency and multi-process tests run on PostgreSQL alone)."""
    kept, dropped = [], []
    for item in items:
        on_postgres = (
            getattr(item, "callspec", None) is not None and item.callspec.params.get("database_url") == "postgres"
        )
        (dropped if on_postgres and item.get_closest_marker("browser") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
