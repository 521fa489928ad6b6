"""A service call is one unit of work: what it changed is rolled back unless it committed.

`@transactional` wraps a service function whose first argument is the session: when it raises
(a form rejected, a conflict, a bug), the session is rolled back before the error reaches the
caller, so a view that answers the error with a page never flushes half a change, and never
has to roll back itself."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")


def transactional(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    @wraps(fn)
    def unit_of_work(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(session, *args, **kwargs)
        except BaseException:
            session.rollback()
            raise

    return unit_of_work
