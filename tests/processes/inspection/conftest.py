"""The inspection tests' units: the demo's 2023 contract (HT-2023-045: SN-C3000-0004,
SN-GATE-0005) given a six-year maintenance period, so that these units may be inspected on
the tests' (real) today; SN-C3000-0001 (HT-2022-017, two years from 2022) stays out of it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app.aftersales.archive.models import Contract
from app.bpm.db import db


@pytest.fixture(scope="module", autouse=True)
def maintained(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        contract = session.scalars(select(Contract).where(Contract.number == "HT-2023-045")).one()
        contract.maintenance_years = 6
        session.commit()
