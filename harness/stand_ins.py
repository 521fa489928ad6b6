"""Stand-ins for processes other helpers build: deployed only when the real one is not."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.bpm import definitions
from app.bpm.errors import NotFound
from app.bpm.policies import CONSOLE

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def deployed(session: Session, process_id: str) -> bool:
    try:
        definitions.latest(session, process_id)
    except NotFound:
        return False
    return True


def ensure_follow_up(session: Session) -> None:
    """The minimal follow_up diagram of tests/fixtures, unless follow_up is deployed."""
    if not deployed(session, "follow_up"):
        xml = (FIXTURES / "follow_up_stand_in.bpmn").read_bytes()
        definitions.deploy(session, xml, {}, CONSOLE, "follow_up_stand_in.bpmn")
        session.commit()
