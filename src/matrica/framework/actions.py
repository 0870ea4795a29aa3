"""Writes to the matrix: publishing the common framework (the coordinator, or the operator's
`matrica load-framework`), and an administration's national adaptation with its deviations.
Each action checks the actor's permission, validates every rule, writes, audits and reports what
changed: a new common version changes everyone's figures, an adaptation one administration's."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import (
    delete_audited,
    record,
    required_reason,
    write,
    write_changes,
)
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
from matrica.tenancy.changes import Change, report
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.scoping import SYSTEM
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

DEFAULT_MATRIX = Path(__file__).parent / "data" / "default_matrix.json"


class FrameworkDataError(ValueError):
    """The framework file is not usable; the message lists every problem found."""


@dataclass
class LoadReport:
    version: FrameworkVersion
    version_created: bool
    counts: dict[str, int] = field(default_factory=dict)


def _check_references(data: dict[str, Any]) -> list[str]:
    """Every problem in the file, named by its place, before anything is written."""
    problems: list[str] = []
    levels = {level["code"] for level in data.get("levels", [])}
    categories = {category["code"] for category in data.get("categories", [])}
    areas = {area["code"] for area in data.get("areas", [])}
    modules = {module["code"] for module in data.get("modules", [])}
    for key in ("version", "levels", "categories", "areas", "requirements", "modules"):
        if key not in data:
            problems.append(f"{key}: missing")
    seen_cells: set[tuple[str, str]] = set()
    for index, requirement in enumerate(data.get("requirements", [])):
        where = f"requirements[{index}]"
        for key, known in (("area", areas), ("category", categories), ("level", levels)):
            if requirement.get(key) not in known:
                problems.append(f"{where}.{key}: unknown code {requirement.get(key)!r}")
        if (
            not isinstance(requirement.get("refresher_months"), int)
            or requirement["refresher_months"] <= 0
        ):
            problems.append(f"{where}.refresher_months: must be a whole number of months above 0")
        cell = (requirement.get("area"), requirement.get("category"))
        if cell in seen_cells:
            problems.append(f"{where}: cell {cell[0]}×{cell[1]} is given twice")
        seen_cells.add(cell)
    for index, module in enumerate(data.get("modules", [])):
        where = f"modules[{index}] ({module.get('code')})"
        for pair in module.get("confers", []):
            if pair.get("area") not in areas:
                problems.append(f"{where}.confers: unknown area {pair.get('area')!r}")
            if pair.get("level") not in levels:
                problems.append(f"{where}.confers: unknown level {pair.get('level')!r}")
        for code in module.get("prerequisites_any_of", []):
            if code not in modules:
                problems.append(f"{where}.prerequisites_any_of: unknown module {code!r}")
    return problems


def _upsert(model: Any, code: str, values: dict[str, Any]) -> Any:
    obj, _created = model.objects.update_or_create(code=code, defaults=values)
    return obj


@transaction.atomic
def load_framework(*, path: Path = DEFAULT_MATRIX, actor: Actor = SYSTEM) -> LoadReport:
    """Publish a framework file: levels, categories, areas, modules and its version.

    Titles and translations are updated on every run. Requirements are written only when the
    version does not exist yet: a published version is never rewritten.
    """
    require(actor, Verb.PUBLISH_FRAMEWORK)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise FrameworkDataError(f"{path}: {error}") from error
    if problems := _check_references(data):
        raise FrameworkDataError("\n".join(problems))

    levels = {
        item["code"]: _upsert(
            Level,
            item["code"],
            {
                "rank": item["rank"],
                "title": item["title"],
                "description": item.get("description", ""),
                "default_deadline_months": item["default_deadline_months"],
                "translations": item.get("translations", {}),
            },
        )
        for item in data["levels"]
    }
    categories = {
        item["code"]: _upsert(
            StaffCategory,
            item["code"],
            {
                "title": item["title"],
                "description": item.get("description", ""),
                "is_role": item.get("is_role", False),
                "applies_to_all": item["code"] == "ALL",
                "order": item.get("order", 0),
                "translations": item.get("translations", {}),
            },
        )
        for item in data["categories"]
    }
    areas = {
        item["code"]: _upsert(
            CompetencyArea,
            item["code"],
            {
                "title": item["title"],
                "description": item.get("description", ""),
                "order": item.get("order", 0),
                "translations": item.get("translations", {}),
            },
        )
        for item in data["areas"]
    }
    modules = {
        item["code"]: _upsert(Module, item["code"], {
            "title": item["title"], "hours": item["hours"],
            "validity_months": item["validity_months"],
            "delivery_modes": item.get("delivery_modes", []),
            "joint_delivery": item.get("joint_delivery", False), "notes": item.get("notes", ""),
            "translations": item.get("translations", {}),
        })
        for item in data["modules"]
    }  # fmt: skip
    for item in data["modules"]:
        module = modules[item["code"]]
        Conferral.objects.filter(module=module).delete()
        Conferral.objects.bulk_create(
            Conferral(module=module, area=areas[pair["area"]], level=levels[pair["level"]])
            for pair in item["confers"]
        )
        module.prerequisites_any_of.set(
            modules[code] for code in item.get("prerequisites_any_of", [])
        )

    spec = data["version"]
    version, created = FrameworkVersion.objects.get_or_create(
        code=spec["code"],
        defaults={
            "title": spec["title"],
            "effective_from": datetime.date.fromisoformat(spec["effective_from"]),
        },
    )
    if created:
        Requirement.objects.bulk_create(
            Requirement(
                version=version,
                area=areas[item["area"]],
                category=categories[item["category"]],
                level=levels[item["level"]],
                refresher_months=item["refresher_months"],
                deadline_months=item.get(
                    "deadline_months", levels[item["level"]].default_deadline_months
                ),
            )
            for item in data["requirements"]
        )
        record(
            actor=actor,
            action=AuditEvent.Action.BULK,
            obj=version,
            after={"requirements": len(data["requirements"])},
            message=f"Loaded framework version {version.code} from {path.name}",
        )
        report(Change(common_matrix=True))
    return LoadReport(
        version=version,
        version_created=created,
        counts={
            "levels": len(levels), "categories": len(categories), "areas": len(areas),
            "modules": len(modules), "requirements": version.requirements.count(),
        },
    )  # fmt: skip


ADAPTATION_FIELDS = frozenset({"title", "effective_from"})
DEVIATION_FIELDS = frozenset({"level", "refresher_months", "deadline_months", "reason"})


def _adapted(adaptation: NationalAdaptation, since: datetime.date | None = None) -> None:
    """Figures of the adaptation's administration may differ from the day it takes effect."""
    report(Change.of_administration(adaptation.beneficiary_id, since or adaptation.effective_from))


@transaction.atomic
def create_adaptation(
    *,
    actor: Actor,
    beneficiary: Beneficiary,
    version: FrameworkVersion,
    effective_from: datetime.date,
    title: str,
) -> NationalAdaptation:
    """A national adaptation of a framework version, in force from a date."""
    require(actor, Verb.ADAPT_FRAMEWORK, beneficiary_id=beneficiary.pk)
    adaptation = NationalAdaptation(
        beneficiary=beneficiary, version=version, effective_from=effective_from,
        title=clean_text(title),
    )  # fmt: skip
    write(actor=actor, obj=adaptation)
    _adapted(adaptation)
    return adaptation


@transaction.atomic
def update_adaptation(
    *, actor: Actor, adaptation: NationalAdaptation, **changes: Any
) -> NationalAdaptation:
    require(actor, Verb.ADAPT_FRAMEWORK, beneficiary_id=adaptation.beneficiary_id)
    was_effective = adaptation.effective_from
    write_changes(actor=actor, obj=adaptation, changes=changes, allowed=ADAPTATION_FIELDS)
    _adapted(adaptation, min(was_effective, adaptation.effective_from))
    return adaptation


@transaction.atomic
def withdraw_adaptation(*, actor: Actor, adaptation: NationalAdaptation, reason: str) -> None:
    """The adaptation and its deviations stop applying; the common matrix applies again. The
    trail keeps every deviation and the reason."""
    require(actor, Verb.ADAPT_FRAMEWORK, beneficiary_id=adaptation.beneficiary_id)
    reason = required_reason(reason, _("Say why the adaptation is withdrawn."))
    for deviation in adaptation.deviations.all():
        delete_audited(actor=actor, obj=deviation, message=reason)
    delete_audited(actor=actor, obj=adaptation, message=reason)
    _adapted(adaptation)


@transaction.atomic
def add_deviation(
    *,
    actor: Actor,
    adaptation: NationalAdaptation,
    area: CompetencyArea,
    category: StaffCategory,
    level: Level,
    refresher_months: int,
    deadline_months: int,
    reason: str,
) -> Deviation:
    """A national requirement that adds to or tightens the common matrix (never loosens it:
    `Deviation.clean`), with the reason for it."""
    require(actor, Verb.ADAPT_FRAMEWORK, beneficiary_id=adaptation.beneficiary_id)
    deviation = Deviation(
        adaptation=adaptation, area=area, category=category, level=level,
        refresher_months=refresher_months, deadline_months=deadline_months,
        reason=clean_text(reason),
    )  # fmt: skip
    write(actor=actor, obj=deviation)
    _adapted(adaptation)
    return deviation


@transaction.atomic
def change_deviation(*, actor: Actor, deviation: Deviation, **changes: Any) -> Deviation:
    require(actor, Verb.ADAPT_FRAMEWORK, beneficiary_id=deviation.adaptation.beneficiary_id)
    write_changes(actor=actor, obj=deviation, changes=changes, allowed=DEVIATION_FIELDS)
    _adapted(deviation.adaptation)
    return deviation


@transaction.atomic
def withdraw_deviation(*, actor: Actor, deviation: Deviation, reason: str) -> None:
    """The cell goes back to the common rule."""
    adaptation = deviation.adaptation
    require(actor, Verb.ADAPT_FRAMEWORK, beneficiary_id=adaptation.beneficiary_id)
    reason = required_reason(reason, _("Say why the deviation is withdrawn."))
    delete_audited(actor=actor, obj=deviation, message=reason)
    _adapted(adaptation)
