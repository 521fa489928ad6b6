"""Migration 0009: contracts and requests whose filing clock stopped at the filing task now
stop it when the record is filed, so a record returned as incomplete keeps the clock running."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, text

from app.aftersales.rules.sla import SEED_POLICY
from app.cli import upgrade_database


def _old_policy() -> dict[str, object]:
    policy = json.loads(json.dumps(SEED_POLICY))
    for clock in policy["clocks"]:
        if clock["name"] == "record_filing":
            clock["stop"] = ["file_service_record"]
    return policy


def test_stored_policies_stop_the_filing_clock_at_record_filed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade_database(url, "0008")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, code, name, category, is_key, updated_at) "
                "VALUES (1, 'C1', '市一医院', 'hospital', 0, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contracts (id, number, customer_id, signed_on, warranty_years, maintenance_years, "
                "deposit_amount, sla_policy) VALUES (1, 'HT-1', 1, '2025-01-01', 2, 2, 0, :policy)"
            ),
            {"policy": json.dumps(_old_policy())},
        )
    upgrade_database(url)
    with engine.connect() as conn:
        stored = json.loads(conn.execute(text("SELECT sla_policy FROM contracts WHERE id = 1")).scalar_one())
    engine.dispose()
    stops = {clock["name"]: clock.get("stop") for clock in stored["clocks"]}
    assert stops["record_filing"] == ["record_filed"]
    assert stops["response"] == ["remote_support"]  # the other clocks are untouched
