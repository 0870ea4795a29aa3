"""Disclosure control: which published figures a viewer who may not see the people behind them
(the regional coordinator) is shown. The rules, in plain words: docs/disclosure-control.md.

The unit is a *group*: the people a figure is about (a breakdown row, a matrix cell, an area,
a quarter, an institution's head-count). A group's figures (its size, every count, every share)
are published together or not at all, so a share is never shown where its counts are not.

1. Threshold rule: a group of 1 to MATRICA_SMALL_CELL - 1 people is suppressed. An empty group
   has nobody to protect and stays as it is (a structural zero).
2. Secondary suppression: groups tied by a published equation (parts adding up to a total, or
   two figures about the same people) form a `Linked` set. Where exactly one group of a set is
   suppressed, the equation would give it back, so the smallest other non-empty group of the
   set is suppressed as well; repeated over every set until nothing changes (a fixpoint across
   rows, columns and tables sharing a total).
3. Audit: the heuristic leaves rare patterns (a suppressed group bridging two blocks of
   suppressed groups) that the equations still pin down. An exact check over rationals finds
   them, and the smallest published group linked to one (or, failing that, along the chain of
   equations that pins it) is suppressed too, until none is left.

Everything here is pure Python over already computed figures: tens of groups per page, never a
row per person.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

from django.conf import settings
from django.utils.translation import gettext

Group = Hashable
G = TypeVar("G", bound=Hashable)


def threshold() -> int:
    """The smallest group whose figures may be shown (MATRICA_SMALL_CELL, 5 by default)."""
    return int(settings.MATRICA_SMALL_CELL)


def hidden_label() -> str:
    """What a suppressed figure shows instead of itself."""
    return gettext("<%(threshold)d") % {"threshold": threshold()}


@dataclass(frozen=True)
class Linked:
    """Groups tied by one published equation: `total` is the sum of `parts`. With `total` None
    the parts' sum is not published; they are still kept together, as a precaution where a sum
    may be published elsewhere (the columns of the matrix)."""

    parts: tuple[Group, ...]
    total: Group | None = None

    @property
    def groups(self) -> set[Group]:
        return {*self.parts} | ({self.total} if self.total is not None else set())


def small(size: int) -> bool:
    """The threshold rule on its own."""
    return 0 < size < threshold()


def suppress(
    sizes: Mapping[G, int],
    linked: Iterable[Linked] = (),
    *,
    forced: Collection[G] = (),
) -> frozenset[G]:
    """The groups whose figures must not be published: those under the threshold, those
    `forced` (suppressed by a wider view of the same people), and enough others that no
    suppressed group can be recovered from the published ones."""
    links = list(linked)
    # An empty group has nobody to protect, even where a wider view hides it.
    hidden: set[Any] = {group for group, size in sizes.items() if small(size)}
    hidden |= {group for group in forced if sizes.get(group, 0) > 0}
    while True:
        _complete(sizes, links, hidden)
        exposed = recoverable(hidden, links)
        if not exposed:
            return frozenset(hidden)
        extra = _smallest_published(
            sizes, hidden, [link for link in links if link.groups & exposed]
        )
        if extra is None:
            # Its own sets are all suppressed already: the value comes through a chain of
            # equations joined by suppressed groups, so the smallest figure published along
            # that chain goes. Once every non-empty figure is suppressed nothing can be pinned,
            # so this ends.
            extra = _smallest_published(sizes, hidden, _chain(exposed, hidden, links))
        if extra is None:
            extra = _smallest_published(sizes, hidden, links)
        if extra is None:
            return frozenset(hidden)
        hidden.add(extra)


def _complete(sizes: Mapping[Any, int], links: list[Linked], hidden: set[Group]) -> None:
    """Secondary suppression to a fixpoint: no linked set with exactly one suppressed group."""
    changed = True
    while changed:
        changed = False
        for link in links:
            if len(link.groups & hidden) == 1:
                extra = _smallest_published(sizes, hidden, [link])
                if extra is not None:
                    hidden.add(extra)
                    changed = True


def _chain(start: set[Group], hidden: set[Group], links: list[Linked]) -> list[Linked]:
    """The equations reachable from `start` through suppressed groups: those that can take
    part in pinning it."""
    reached, chain = set(start), []
    remaining = [link for link in links if link.total is not None]
    grew = True
    while grew:
        grew = False
        for link in list(remaining):
            if link.groups & reached:
                chain.append(link)
                remaining.remove(link)
                reached |= link.groups & hidden
                grew = True
    return chain


def _smallest_published(
    sizes: Mapping[Any, int], hidden: set[Group], links: list[Linked]
) -> Group | None:
    candidates = {
        group
        for link in links
        for group in link.groups
        if group not in hidden and sizes.get(group, 0) > 0
    }
    if not candidates:
        return None
    return min(candidates, key=lambda group: (sizes[group], repr(group)))


def recoverable(hidden: Collection[Group], linked: Iterable[Linked]) -> set[Group]:
    """The suppressed groups that the published equations pin to one value. Every other group
    is known, so each equation with a total is a linear equation over the suppressed ones; a
    suppressed group is pinned when its unit vector lies in the span of those equations, which
    in reduced row echelon form means one row has it as its only non-zero entry."""
    unknowns = sorted(hidden, key=repr)
    column = {group: i for i, group in enumerate(unknowns)}
    rows = []
    for link in linked:
        if link.total is None:
            continue
        row = [Fraction(0)] * len(unknowns)
        for group in link.parts:
            if group in column:
                row[column[group]] += 1
        if link.total in column:
            row[column[link.total]] -= 1
        if any(row):
            rows.append(row)
    return {
        unknowns[next(i for i, value in enumerate(row) if value)]
        for row in _reduced(rows, len(unknowns))
        if sum(1 for value in row if value) == 1
    }


def _reduced(rows: list[list[Fraction]], width: int) -> list[list[Fraction]]:
    """Reduced row echelon form by exact Gauss-Jordan elimination; zero rows dropped."""
    rows = [list(row) for row in rows]
    top = 0
    for col in range(width):
        pivot = next((i for i in range(top, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[top], rows[pivot] = rows[pivot], rows[top]
        lead = rows[top][col]
        rows[top] = [value / lead for value in rows[top]]
        for i, row in enumerate(rows):
            if i != top and row[col]:
                factor = row[col]
                rows[i] = [a - factor * b for a, b in zip(row, rows[top], strict=True)]
        top += 1
    return rows[:top]


def same_people(first: Group, second: Group) -> Linked:
    """Two figures about the same people (a matrix cell whose requirement applies to everyone,
    and the total): suppressing one must suppress the other."""
    return Linked((first,), second)
