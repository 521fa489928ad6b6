"""Alembic environment: the schema is every table of the product (app.schema)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from app.schema import metadata

config = context.config
target_metadata = metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
