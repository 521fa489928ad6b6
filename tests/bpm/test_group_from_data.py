"""A lane whose group comes from the case: a user task with the `groupFrom` property goes to
the group a data field names, when that is a real group; otherwise to its lane's group."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.bpm import definitions, instances, tasks
from app.bpm.errors import Forbidden, NotFound
from app.bpm.policies import CONSOLE
from harness.apps import user

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
DIAGRAM = Path(__file__).parents[1] / "fixtures" / "group_from_data.bpmn"


def _start(session: Session, data: dict[str, object]) -> str | None:
    definitions.deploy(session, DIAGRAM.read_bytes(), {}, CONSOLE, DIAGRAM.name)
    instance = instances.start_instance(session, user(session, "sales1"), "group_from_data", data, now=T0)
    [task] = instances.open_tasks(session, instance.id)
    return task.candidate_group


def test_the_task_goes_to_the_group_the_data_names(session: Session) -> None:
    assert _start(session, {"handling_group": "technical"}) == "technical"
    technical, sales = user(session, "technical1"), user(session, "sales1")
    assert [t.element_id for t in tasks.worklist(session, technical)] == ["handle"]
    assert all(t.element_id != "handle" for t in tasks.worklist(session, sales))


@pytest.mark.parametrize("named", [None, "", "no_such_group", 7])
def test_without_a_real_group_the_task_stays_in_its_lane(session: Session, named: object) -> None:
    data = {} if named is None else {"handling_group": named}
    assert _start(session, data) == "sales"


def test_only_the_named_group_may_complete_it(session: Session) -> None:
    _start(session, {"handling_group": "technical"})
    [task] = tasks.worklist(session, user(session, "technical1"))
    with pytest.raises((Forbidden, NotFound)):  # sales neither sees nor does it
        tasks.complete(session, user(session, "sales1"), task.id, {}, "en", now=T0)
    done = tasks.complete(session, user(session, "technical1"), task.id, {}, "en", now=T0)
    assert done.open_tasks == []
