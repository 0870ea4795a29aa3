"""A draft framework version beside the version in force: cell by cell, what the draft adds,
removes or changes (required level, refresher interval, deadline). Reads only; the changes
themselves go through `framework.actions` (`create_draft_version`, `change_draft_requirement`,
`remove_draft_requirement`, `publish_version`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from matrica.framework.models import FrameworkVersion, Requirement

FIELDS = ("level", "refresher_months", "deadline_months")
ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"


@dataclass(frozen=True)
class CellDifference:
    """One cell of the matrix that either version requires."""

    current: Requirement | None  # in the version in force
    draft: Requirement | None

    @property
    def requirement(self) -> Requirement:
        found = self.draft or self.current
        assert found is not None
        return found

    @property
    def changed_fields(self) -> tuple[str, ...]:
        if self.current is None or self.draft is None:
            return ()
        return tuple(
            name
            for name in FIELDS
            if getattr(self.current, f"{name}_id" if name == "level" else name)
            != getattr(self.draft, f"{name}_id" if name == "level" else name)
        )

    @property
    def kind(self) -> str:
        """A stable code: added, removed, changed or same."""
        if self.current is None:
            return ADDED
        if self.draft is None:
            return REMOVED
        return CHANGED if self.changed_fields else SAME

    @property
    def description(self) -> str:
        """The change in words (the page never says it with colour alone)."""
        kind = self.kind
        if kind == ADDED:
            return _("Added")
        if kind == REMOVED:
            return _("Removed")
        if kind == SAME:
            return _("Unchanged")
        names = {
            "level": _("level"),
            "refresher_months": _("refresher"),
            "deadline_months": _("deadline"),
        }
        return _("Changed: %(fields)s") % {
            "fields": ", ".join(str(names[name]) for name in self.changed_fields)
        }


def _requirements(version: FrameworkVersion | None) -> dict[tuple[int, int], Requirement]:
    if version is None:
        return {}
    found = Requirement.objects.filter(version=version).select_related("area", "category", "level")
    return {(r.area_id, r.category_id): r for r in found}


def differences(draft: FrameworkVersion, current: FrameworkVersion | None) -> list[CellDifference]:
    """Every cell either version requires, in matrix order (area, then category): two queries."""
    drafted, in_force = _requirements(draft), _requirements(current)
    result = [
        CellDifference(current=in_force.get(cell), draft=drafted.get(cell))
        for cell in drafted.keys() | in_force.keys()
    ]
    return sorted(
        result,
        key=lambda d: (
            d.requirement.area.order,
            d.requirement.area.code,
            d.requirement.category.order,
            d.requirement.category.code,
        ),
    )
