"""Diagrams from other tools (../shared/corpus): each one deploys and starts, or is refused with
a reason naming what to change; never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bpm.engine import DiagramInvalid, EngineError, ProcessRun, parse_diagram

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
FILES = sorted(p for p in CORPUS.glob("*") if p.suffix in (".bpmn", ".xml")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside this checkout")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_foreign_diagram_deploys_or_is_refused_with_a_reason(path: Path) -> None:
    try:
        model = parse_diagram(path.read_bytes(), path.name)
    except DiagramInvalid as err:
        assert err.problems and all(len(p.message) > 20 for p in err.problems)
        return
    try:
        run = ProcessRun.start(model, {})
    except EngineError as err:
        assert str(err)
        return
    assert run.snapshot().status in ("running", "completed")


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside this checkout")
def test_unquoted_iso_timers_from_other_modelers_are_translated() -> None:
    names = ["c7engine__BoundaryTimerNonInterruptingEventTest.testJoin.bpmn20.xml", "miwg__C.9.1.bpmn"]
    for name in names:
        model = parse_diagram((CORPUS / name).read_bytes(), name)
        assert model.process_id
