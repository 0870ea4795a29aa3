"""What an action changed, said once, so that derived figures follow.

Every action that changes the inputs of a derived figure (people, their roles and evidence, a
national adaptation, the common matrix) ends by reporting a `Change` naming exactly what changed.
Apps downstream of the one that made the change (compliance today; teams and plans later) say at
start-up, in their `AppConfig.ready`, that they want to hear of changes: this keeps every app
importing only from the apps before it, while the action itself still says, explicitly and in its
own transaction, what it changed. Nothing is inferred from model classes or signals.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Change:
    """The people, the administrations or the common matrix whose derived figures may differ."""

    people: frozenset[int] = field(default_factory=frozenset)
    administrations: frozenset[int] = field(default_factory=frozenset)
    common_matrix: bool = False
    # People pseudonymised under the retention rule: every app forgets what it copied of them
    # (compliance: the addresses its notices were sent to).
    forgotten: frozenset[int] = field(default_factory=frozenset)
    # Sessions closed or reopened: what is derived from a session's outcome (certificates)
    # follows its state.
    sessions: frozenset[int] = field(default_factory=frozenset)
    # Who made the change (None: the system), for the audit rows of what follows from it.
    actor: Any = field(default=None, compare=False)
    # The first date whose figures may differ (an adaptation's effective date): figures for
    # earlier dates stand. None: any date.
    since: datetime.date | None = None
    # Of `people`: the competency areas to which their change was confined (evidence recorded,
    # corrected or voided in them), so that only those requirements are redone. None: any.
    areas: frozenset[int] | None = None

    @classmethod
    def of_people(cls, staff_ids: Iterable[int]) -> Change:
        return cls(people=frozenset(staff_ids))

    @classmethod
    def of_evidence(
        cls,
        staff_ids: Iterable[int],
        areas: Iterable[int],
        days: Iterable[datetime.date],
        actor: Any = None,
    ) -> Change:
        """New, corrected or voided evidence of these people in these areas, gained on these
        days: nothing before the first of them changes."""
        return cls(
            people=frozenset(staff_ids), areas=frozenset(areas), since=min(days, default=None),
            actor=actor,
        )  # fmt: skip

    @classmethod
    def of_administration(cls, beneficiary_id: int, since: datetime.date | None = None) -> Change:
        return cls(administrations=frozenset({beneficiary_id}), since=since)

    def __bool__(self) -> bool:
        return bool(
            self.people
            or self.administrations
            or self.common_matrix
            or self.forgotten
            or self.sessions
        )


Listener = Callable[[Change], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Called once per listener, from an app's `ready()`."""
    if listener not in _listeners:
        _listeners.append(listener)


def report(change: Change) -> None:
    """Tell every listener, inside the caller's transaction: the change and its consequences
    commit or roll back together. Inside `deferred()`, kept until the block ends."""
    pending = _deferred.get()
    if pending is not None:
        pending.append(change)
        return
    if change:
        for listener in _listeners:
            listener(change)


_deferred: ContextVar[list[Change] | None] = ContextVar("deferred_changes", default=None)


def merged(changes: Sequence[Change]) -> Change:
    """One change covering all of `changes` (the earliest `since`; None if any has none)."""
    sinces = [change.since for change in changes]
    of_people = [change for change in changes if change.people]
    confined = of_people and all(change.areas is not None for change in of_people)
    return Change(
        people=frozenset().union(*(c.people for c in changes)),
        administrations=frozenset().union(*(c.administrations for c in changes)),
        common_matrix=any(c.common_matrix for c in changes),
        forgotten=frozenset().union(*(c.forgotten for c in changes)),
        sessions=frozenset().union(*(c.sessions for c in changes)),
        actor=next((c.actor for c in changes if c.actor is not None), None),
        since=None if None in sinces or not sinces else min(d for d in sinces if d is not None),
        areas=frozenset().union(*(c.areas or () for c in of_people)) if confined else None,
    )


@contextmanager
def deferred() -> Iterator[None]:
    """Report the changes made inside the block once, together, when it ends (still inside the
    caller's transaction; nothing if it raises): a batch of many small writes, such as the
    (module, date) groups of an xAPI batch, redoes its people's figures once, not per write."""
    if _deferred.get() is not None:  # a caller already defers
        yield
        return
    pending: list[Change] = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if pending:
        report(merged(pending))
