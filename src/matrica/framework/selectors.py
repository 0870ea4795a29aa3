"""Reads of the common matrix and of the requirements in force on a date."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from matrica.framework.models import (
    CompetencyArea,
    Conferral,
    Deviation,
    FrameworkVersion,
    Level,
    Module,
    NationalAdaptation,
    Requirement,
    StaffCategory,
)
from matrica.tenancy.models import Beneficiary


@dataclass(frozen=True)
class Rule:
    """The requirement of one cell as it applies in one administration on one date."""

    area_id: int
    category_id: int
    level_id: int
    level_rank: int
    refresher_months: int
    deadline_months: int
    deviation_reason: str = ""


@dataclass
class MatrixCell:
    rule: Rule | None
    level: Level | None = None
    modules: list[Module] = field(default_factory=list)


@dataclass
class Matrix:
    version: FrameworkVersion
    adaptation: NationalAdaptation | None
    areas: list[CompetencyArea]
    categories: list[StaffCategory]
    rows: list[tuple[CompetencyArea, list[MatrixCell]]]


def version_in_force(on: datetime.date) -> FrameworkVersion | None:
    """The latest published version effective on or before `on`; drafts never apply."""
    return (
        FrameworkVersion.objects.published()
        .filter(effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )


def adaptation_in_force(
    beneficiary_id: int, version: FrameworkVersion, on: datetime.date
) -> NationalAdaptation | None:
    return (
        NationalAdaptation.objects.filter(
            beneficiary_id=beneficiary_id, version=version, effective_from__lte=on
        )
        .order_by("-effective_from")
        .first()
    )


def rules_in_force(
    *, beneficiary_id: int | None, on: datetime.date
) -> tuple[FrameworkVersion | None, NationalAdaptation | None, dict[tuple[int, int], Rule]]:
    """The rules of every cell on `on`: the version then in force, with the administration's
    adaptation then in force laid over it (the common matrix when no administration is given)."""
    version = version_in_force(on)
    if version is None:
        return None, None, {}
    adaptation = adaptation_in_force(beneficiary_id, version, on) if beneficiary_id else None
    deviations = _deviations([adaptation.pk]) if adaptation else {}
    return (
        version,
        adaptation,
        _common_rules(version) | deviations.get(getattr(adaptation, "pk", 0), {}),
    )


def rules_by_beneficiary(
    beneficiary_ids: list[int], on: datetime.date
) -> dict[int, dict[tuple[int, int], Rule]]:
    """`rules_in_force` for many administrations at once, in five queries whatever their
    number: the engine asks this for every administration on every run."""
    version = version_in_force(on)
    if version is None:
        return {}
    in_force: dict[int, int] = {}
    for adaptation in NationalAdaptation.objects.filter(
        version=version, effective_from__lte=on, beneficiary_id__in=beneficiary_ids
    ).order_by("beneficiary_id", "-effective_from"):
        in_force.setdefault(adaptation.beneficiary_id, adaptation.pk)
    common = _common_rules(version)
    deviations = _deviations(list(in_force.values()))
    return {b: common | deviations.get(in_force.get(b, 0), {}) for b in beneficiary_ids}


# A rule's fields, read as plain values: every engine run asks for them, and model instances
# of each requirement and its level cost more than the query.
_RULE_FIELDS = ("area_id", "category_id", "level_id", "level__rank", "refresher_months",
                "deadline_months")  # fmt: skip


def _common_rules(version: FrameworkVersion) -> dict[tuple[int, int], Rule]:
    rows = Requirement.objects.filter(version=version).order_by().values_list(*_RULE_FIELDS)
    return {(row[0], row[1]): Rule(*row) for row in rows}


def _deviations(adaptation_ids: list[int]) -> dict[int, dict[tuple[int, int], Rule]]:
    """Per adaptation, the cells it replaces."""
    result: dict[int, dict[tuple[int, int], Rule]] = defaultdict(dict)
    rows = (
        Deviation.objects.filter(adaptation_id__in=adaptation_ids)
        .order_by()
        .values_list("adaptation_id", *_RULE_FIELDS, "reason")
    )
    for adaptation_id, *rule in rows:
        result[adaptation_id][(rule[0], rule[1])] = Rule(*rule)
    return result


def matrix_modules(user: Any, beneficiary: Beneficiary | None) -> QuerySet[Module]:
    """The modules a matrix shows: the common ones, and with an administration chosen its own
    national modules too; never one the user may not see."""
    reach = Q(beneficiary__isnull=True)
    if beneficiary is not None:
        reach |= Q(beneficiary_id=beneficiary.pk)
    return Module.objects.visible_to(user).filter(reach)


def framework_matrix(
    *,
    beneficiary: Beneficiary | None,
    on: datetime.date,
    modules: QuerySet[Module] | None = None,
) -> Matrix | None:
    """Areas × categories with each cell's rule and the modules that satisfy it: among
    `modules` (by default the common ones; `matrix_modules` for what a user may see)."""
    version, adaptation, rules = rules_in_force(
        beneficiary_id=beneficiary.pk if beneficiary else None, on=on
    )
    if version is None:
        return None
    areas = list(CompetencyArea.objects.all())
    categories = list(StaffCategory.objects.all())
    levels = {level.pk: level for level in Level.objects.all()}
    # Modules conferring each area, with the rank they confer: one query.
    conferred: dict[int, list[tuple[int, Module]]] = defaultdict(list)
    if modules is None:
        modules = Module.objects.common()
    shown = Conferral.objects.filter(module__in=modules.values("pk"))
    for conferral in shown.select_related("module", "level").order_by("module__code"):
        conferred[conferral.area_id].append((conferral.level.rank, conferral.module))
    rows = []
    for area in areas:
        cells = []
        for category in categories:
            rule = rules.get((area.pk, category.pk))
            if rule is None:
                cells.append(MatrixCell(rule=None))
                continue
            satisfying = [m for rank, m in conferred[area.pk] if rank >= rule.level_rank]
            cells.append(MatrixCell(rule=rule, level=levels[rule.level_id], modules=satisfying))
        rows.append((area, cells))
    return Matrix(version, adaptation, areas, categories, rows)


@dataclass
class Catalogue:
    """The modules a user may read: the common ones, and national ones by administration."""

    common: list[Module]
    national: list[tuple[Beneficiary, list[Module]]]


def _with_details(modules: QuerySet[Module]) -> QuerySet[Module]:
    return modules.select_related("beneficiary").prefetch_related(
        Prefetch(
            "conferrals",
            queryset=Conferral.objects.select_related("area", "level").order_by("area__order"),
        ),
        Prefetch("prerequisites_any_of", queryset=Module.objects.order_by("code")),
    )


def module_catalogue(user: Any) -> Catalogue:
    """The common modules, then every national module the user may see, grouped by
    administration (their own for national roles; every administration's for the coordinator).
    Three queries, whatever the number of modules."""
    modules = list(
        _with_details(Module.objects.visible_to(user)).order_by("beneficiary__code", "code")
    )
    common = [module for module in modules if module.beneficiary_id is None]
    national = [module for module in modules if module.beneficiary_id is not None]
    grouped = [
        (owner, list(group))
        for owner, group in groupby(national, key=lambda module: module.beneficiary)
    ]
    return Catalogue(common=common, national=grouped)


def module_details(user: Any) -> QuerySet[Module]:
    """Modules the user may read, with their conferrals and prerequisites."""
    return _with_details(Module.objects.visible_to(user))
