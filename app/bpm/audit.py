"""The audit trail (P4): events written in the caller's transaction and chained by hash.

An event commits with the change it records. The worker then seals committed events into the
chain in batches (`seal`): each gets the next sequence number and
`hash = sha256(prev_hash + canonical event)`, under the chain head's lock. Sealing in the
background keeps the head's lock out of every request: concurrent completions do not queue on
one row, and a batch costs one head update instead of one per transaction. Until the next
worker pass (a few seconds) an event is recorded but not yet chained; `verify` reports such
events as pending and names the first event that was changed, removed or reordered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from app.bpm.models import AuditChainHead, AuditEvent, User

SYSTEM_ACTOR = "system"
GENESIS = "0" * 64
SEAL_BATCH = 2000


class EventFields(TypedDict, total=False):
    """What an audit event may say besides who did what when."""

    instance_id: int | None
    task_id: str | None
    element_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    details: dict[str, Any] | None


def event_values(action: str, actor: User | None, at: datetime, **fields: Unpack[EventFields]) -> dict[str, Any]:
    """The columns of one audit event (not yet sealed into the chain)."""
    return {
        "at": at,
        "instance_id": fields.get("instance_id"),
        "actor_id": actor.id if actor else None,
        "actor_name": actor.username if actor else SYSTEM_ACTOR,
        "action": action,
        "task_id": fields.get("task_id"),
        "element_id": fields.get("element_id"),
        "data_before": fields.get("before"),
        "data_after": fields.get("after"),
        "details": fields.get("details"),
    }


def record(
    session: Session, action: str, actor: User | None, at: datetime, **fields: Unpack[EventFields]
) -> AuditEvent:
    """Add an event to the session's transaction; it commits with the change it records."""
    event = AuditEvent(**event_values(action, actor, at, **fields))
    session.add(event)
    return event


def event_digest(prev_hash: str, seq: int, entry: AuditEvent | Row[Any]) -> str:
    """The chain link of one event at `seq`. Changing this breaks every stored chain: don't."""
    canonical = json.dumps(
        {
            "seq": seq,
            "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "instance_id": entry.instance_id,
            "actor": entry.actor_name,
            "action": entry.action,
            "task_id": entry.task_id,
            "element_id": entry.element_id,
            "before": entry.data_before,
            "after": entry.data_after,
            "details": entry.details,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def seal(session: Session, batch: int = SEAL_BATCH) -> int:
    """Chain every committed event not yet in the chain, oldest first; commits each batch and
    returns how many were sealed. Several workers may call it: whoever holds the head seals,
    the others return at once."""
    sealed = 0
    while True:
        head = session.scalars(
            select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update(skip_locked=True)
        ).first()
        if head is None:  # another worker is sealing right now
            session.rollback()
            return sealed
        table = AuditEvent.__table__
        pending = session.execute(
            select(table).where(table.c.chain_seq.is_(None)).order_by(table.c.id).limit(batch)
        ).all()
        if not pending:
            session.rollback()
            return sealed
        links = []
        seq, prev = head.seq, head.hash
        for entry in pending:
            seq += 1
            digest = event_digest(prev, seq, entry)
            links.append({"id": entry.id, "chain_seq": seq, "prev_hash": prev, "hash": digest})
            prev = digest
        session.execute(update(AuditEvent), links)  # one executemany, by primary key
        session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=seq, hash=prev))
        session.commit()
        sealed += len(pending)
        if len(pending) < batch:
            return sealed


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_event_id: int | None = None
    problem: str | None = None
    pending: int = 0  # committed events the worker has not chained yet
    head: str = GENESIS  # the last link's hash: kept outside the database, it pins the history

    @property
    def intact(self) -> bool:
        return self.problem is None


def _in_chain_order(session: Session, batch: int = 2000) -> Iterator[Row[Any]]:
    table, last = AuditEvent.__table__, 0
    while True:
        rows = session.execute(
            select(table).where(table.c.chain_seq > last).order_by(table.c.chain_seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].chain_seq


def verify(session: Session) -> ChainReport:
    """Recompute the sealed chain from the first event to the head; count the events not
    sealed yet."""
    head = session.get(AuditChainHead, 1)
    pending = session.scalar(select(func.count()).where(AuditEvent.chain_seq.is_(None))) or 0
    prev, expected, checked = GENESIS, 1, 0
    for entry in _in_chain_order(session):
        if entry.chain_seq != expected:
            gap = f"sequence jumps from {expected - 1} to {entry.chain_seq}"
            return ChainReport(checked, entry.id, gap, pending)
        if entry.prev_hash != prev:
            return ChainReport(checked, entry.id, "does not follow the previous event", pending)
        if entry.hash != event_digest(prev, expected, entry):
            return ChainReport(checked, entry.id, "content was changed", pending)
        prev, expected, checked = entry.hash, expected + 1, checked + 1
    if head is None or head.seq != checked or head.hash != prev:
        removed = "the chain is shorter than its head says: events were removed"
        return ChainReport(checked, None, removed, pending)
    return ChainReport(checked, pending=pending, head=prev)


def data_diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that changed: their old values and their new values."""
    keys = {k for k in before.keys() | after.keys() if before.get(k, _MISSING) != after.get(k, _MISSING)}
    return (
        {k: before[k] for k in sorted(keys) if k in before},
        {k: after[k] for k in sorted(keys) if k in after},
    )


def step_diff(
    before: dict[str, Any], seen: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What one step changed. `before` is the instance's data before the step (as the latest
    finished task left it, perhaps in another parallel branch), `seen` the data the step's task
    started from (its own branch's), `after` the instance's data after the step. A field counts
    only when its new value differs from both: a parallel branch's fields that this branch never
    had are neither removed (its branch's data lacks them) nor added again (a join merged them).
    The old value is the one the step saw."""
    keys = sorted(
        k
        for k in before.keys() | seen.keys() | after.keys()
        if after.get(k, _MISSING) != before.get(k, _MISSING) and after.get(k, _MISSING) != seen.get(k, _MISSING)
    )
    old = {k: seen[k] if k in seen else before[k] for k in keys if k in seen or k in before}
    return old, {k: after[k] for k in keys if k in after}


_MISSING = object()
IMAGE_MARKER = "[image]"  # what an event keeps in place of a drawing or picture


def without_images(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with every `data:` URI (a drawn signature, a photo), however deep, replaced by
    `IMAGE_MARKER`: the trail says a picture was there without holding it."""
    return {key: _no_image(value) for key, value in data.items()}


def _no_image(value: Any) -> Any:
    if isinstance(value, str) and value[:5].lower() == "data:":
        return IMAGE_MARKER
    if isinstance(value, dict):
        return without_images(value)
    if isinstance(value, list):
        return [_no_image(v) for v in value]
    return value
