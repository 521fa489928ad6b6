"""The audit trail (P4): events written in the caller's transaction and chained by hash.

Every event gets the next sequence number and `hash = sha256(prev_hash + canonical event)` when
its transaction commits; the chain head is one locked row, so links follow commit order even
with several processes. `verify` recomputes the chain and names the first event that was
changed, removed or reordered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from app.models import AuditChainHead, AuditEvent, User

SYSTEM_ACTOR = "system"
GENESIS = "0" * 64
_PENDING = "shouhou_audit_unsealed"


def record(
    session: Session,
    action: str,
    actor: User | None,
    at: datetime,
    *,
    instance_id: int | None = None,
    task_id: str | None = None,
    element_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=at,
        instance_id=instance_id,
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else SYSTEM_ACTOR,
        action=action,
        task_id=task_id,
        element_id=element_id,
        data_before=before,
        data_after=after,
        details=details,
    )
    session.add(event)
    session.info.setdefault(_PENDING, []).append(event)
    return event


def event_digest(prev_hash: str, entry: AuditEvent) -> str:
    """The chain link of one event. Changing this breaks every stored chain: don't."""
    canonical = json.dumps(
        {
            "seq": entry.chain_seq,
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


def _seal_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the events are sealed once, when the whole transaction commits
    pending: list[AuditEvent] = session.info.pop(_PENDING, [])
    if not pending:
        return
    # Write everything else first, so that the chain head is locked only for the few
    # statements that link these events, not while a whole batch is flushed.
    session.flush()
    live = [entry for entry in pending if entry in session]  # not rolled back with a savepoint
    if not live:
        return
    with session.no_autoflush:
        head = session.scalars(select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()).one()
        links = []
        for entry in live:
            head.seq += 1
            digest = event_digest(head.hash, _with_seq(entry, head.seq))
            links.append({"id": entry.id, "chain_seq": head.seq, "prev_hash": head.hash, "hash": digest})
            head.hash = digest
        session.execute(update(AuditEvent), links)  # one executemany, by primary key
        for entry, link in zip(live, links, strict=True):
            set_committed_value(entry, "chain_seq", link["chain_seq"])
            set_committed_value(entry, "prev_hash", link["prev_hash"])
            set_committed_value(entry, "hash", link["hash"])


def _with_seq(entry: AuditEvent, seq: int) -> AuditEvent:
    set_committed_value(entry, "chain_seq", seq)
    return entry


def _forget_pending(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back transaction's events are gone; a rolled-back savepoint's events are
    filtered out when sealing (they are no longer in the session), the others stay pending."""
    if previous.parent is None:
        session.info.pop(_PENDING, None)


def install(factory: sessionmaker[Session]) -> None:
    """Seal every transaction's audit events as it commits (once, at the outermost commit)."""
    event.listen(factory, "before_commit", _seal_pending)
    event.listen(factory, "after_soft_rollback", _forget_pending)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_event_id: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _in_chain_order(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.chain_seq > last).order_by(AuditEvent.chain_seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].chain_seq or last
        session.expunge_all()


def verify(session: Session) -> ChainReport:
    """Recompute the chain from the first event to the head."""
    head = session.get(AuditChainHead, 1)
    unsealed = session.scalars(select(AuditEvent.id).where(AuditEvent.chain_seq.is_(None)).limit(1)).first()
    if unsealed is not None:
        return ChainReport(0, unsealed, "event is not part of the chain")
    prev, expected, checked = GENESIS, 1, 0
    for entry in _in_chain_order(session):
        if entry.chain_seq != expected:
            return ChainReport(checked, entry.id, f"sequence jumps from {expected - 1} to {entry.chain_seq}")
        if entry.prev_hash != prev:
            return ChainReport(checked, entry.id, "does not follow the previous event")
        if entry.hash != event_digest(prev, entry):
            return ChainReport(checked, entry.id, "content was changed")
        prev, expected, checked = entry.hash, expected + 1, checked + 1
    if head is None or head.seq != checked or head.hash != prev:
        return ChainReport(checked, None, "the chain is shorter than its head says: events were removed")
    return ChainReport(checked)


def data_diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that changed: their old values and their new values."""
    keys = {k for k in before.keys() | after.keys() if before.get(k, _MISSING) != after.get(k, _MISSING)}
    return (
        {k: before[k] for k in sorted(keys) if k in before},
        {k: after[k] for k in sorted(keys) if k in after},
    )


_MISSING = object()
