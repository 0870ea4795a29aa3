from __future__ import annotations

from typing import Any

from matrica.curricula import actions
from matrica.curricula.models import Course
from matrica.framework.models import CompetencyArea, Level, StaffCategory


def cell(area: str, category: str, level: str, hours: int) -> actions.Cell:
    return actions.Cell(
        CompetencyArea.objects.get(code=area), StaffCategory.objects.get(code=category),
        Level.objects.get(code=level), hours,
    )  # fmt: skip


def categories(*codes: str) -> list[StaffCategory]:
    return list(StaffCategory.objects.filter(code__in=codes))


def add_course(world: Any, administration: str = "RS", **fields: Any) -> Course:
    """A course of `administration`, added by its national administrator."""
    values: dict[str, Any] = {
        "code": "OBK-1", "title": "Osnovna obuka", "kind": Course.Kind.INITIAL, "hours": 40,
        "target_categories": categories("FLO"), "cells": [cell("RAD", "FLO", "A", 8)],
    }  # fmt: skip
    values.update(fields)
    return actions.create_course(
        actor=world[administration].users["national_admin"],
        beneficiary=world[administration].beneficiary,
        **values,
    )
