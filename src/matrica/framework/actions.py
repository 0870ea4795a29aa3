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

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import (
    apply_changes,
    delete_audited,
    record,
    required_reason,
    save_audited,
    write,
    write_changes,
)
from matrica.framework.case_import import CaseReading, read_package
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
from matrica.tenancy.scoping import SYSTEM, ensure_visible
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


# National modules: an administration's additions to the common catalogue.

NATIONAL_MODULE_FIELDS = frozenset(
    {"code", "title", "translations", "summary", "learning_outcomes", "hours", "validity_months",
     "delivery_modes", "languages", "joint_delivery", "attendance_threshold"}
)  # fmt: skip
MODULE_RELATIONS = frozenset({"prerequisites", "conferrals"})


def _refuse_common(module_beneficiary_id: int | None) -> None:
    if module_beneficiary_id is None:
        raise PermissionDenied(
            _(
                "A module of the common matrix is published with the framework "
                "(matrica load-framework) and cannot be changed here."
            )
        )


def _clean_translations(translations: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """{"lang": {"title": …}} with text trimmed and empty entries left out."""
    cleaned: dict[str, dict[str, str]] = {}
    for language, fields in (translations or {}).items():
        texts = {name: clean_text(text) for name, text in fields.items() if clean_text(text)}
        if texts:
            cleaned[language] = texts
    return cleaned


def _module_relation_errors(
    actor: Actor,
    module: Module,
    beneficiary_id: int,
    prerequisites: list[Module],
    conferrals: list[tuple[CompetencyArea, Level]],
) -> dict[str, Any]:
    """The rules that span rows: what the module confers, and what it asks first."""
    errors: dict[str, Any] = {}
    if not conferrals:
        errors["conferrals"] = _("Say what completing the module confers: at least one area.")
    areas = [area.pk for area, _level in conferrals]
    if len(areas) != len(set(areas)):
        errors["conferrals"] = _("A module confers one level per competency area.")
    wanted = {prerequisite.pk for prerequisite in prerequisites}
    if module.pk is not None and module.pk in wanted:
        errors["prerequisites"] = _("A module cannot be its own prerequisite.")
    elif wanted:
        # Common modules, or the administration's own, that the actor may see.
        allowed = set(
            Module.objects.visible_to(actor)
            .filter(Q(beneficiary__isnull=True) | Q(beneficiary_id=beneficiary_id), pk__in=wanted)
            .values_list("pk", flat=True)
        )
        if wanted - allowed:
            errors["prerequisites"] = _(
                "A prerequisite is a module of the common matrix or of the same administration."
            )
    return errors


def _relations_of(module: Module) -> dict[str, list[str]]:
    """What the audit trail keeps of a module's conferrals and prerequisites: codes."""
    return {
        "conferrals": sorted(
            f"{area}-{level}"
            for area, level in module.conferrals.values_list("area__code", "level__code")
        ),
        "prerequisites_any_of": sorted(module.prerequisites_any_of.values_list("code", flat=True)),
    }


def _validate_and_write_module(
    *,
    actor: Actor,
    module: Module,
    prerequisites: list[Module],
    conferrals: list[tuple[CompetencyArea, Level]],
    message: str = "",
) -> None:
    """Every error at once (the model's own rules and those spanning rows), then the module,
    its conferrals and prerequisites, with one audit row for the module and one for its
    relations when they change."""
    assert module.beneficiary_id is not None
    errors = _module_relation_errors(
        actor, module, module.beneficiary_id, prerequisites, conferrals
    )
    try:
        module.full_clean()
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    before = _relations_of(module) if module.pk is not None else None
    # Validated above with the rules spanning rows: `write` would only validate again.
    save_audited(actor=actor, obj=module, message=message)
    ensure_visible(module, actor)
    module.conferrals.all().delete()
    Conferral.objects.bulk_create(
        Conferral(module=module, area=area, level=level) for area, level in conferrals
    )
    module.prerequisites_any_of.set(prerequisites)
    after = _relations_of(module)
    if before != after:
        record(
            actor=actor, action=AuditEvent.Action.UPDATE, obj=module, before=before, after=after,
            message=message or "Conferrals and prerequisites",
        )  # fmt: skip


@transaction.atomic
def create_national_module(
    *,
    actor: Actor,
    beneficiary: Beneficiary | None,
    code: str,
    title: str,
    translations: dict[str, dict[str, str]],
    summary: str,
    learning_outcomes: str,
    hours: int,
    validity_months: int,
    delivery_modes: list[str],
    languages: list[str],
    joint_delivery: bool,
    attendance_threshold: int,
    prerequisites: list[Module],
    conferrals: list[tuple[CompetencyArea, Level]],
) -> Module:
    """A module an administration adds to the common catalogue: evidence exactly like a common
    one once completed. Its code starts with the administration's code and a hyphen
    (`Module.clean`); it confers at least one area, one level per area; its prerequisites are
    common modules or the administration's own. The common catalogue itself is the matrix
    loader's (`load_framework`): a module without an administration is refused."""
    _refuse_common(beneficiary.pk if beneficiary is not None else None)
    assert beneficiary is not None
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=beneficiary.pk)
    module = Module(
        beneficiary=beneficiary, code=clean_text(code), title=clean_text(title),
        translations=_clean_translations(translations), summary=clean_text(summary),
        learning_outcomes=clean_text(learning_outcomes), hours=hours,
        validity_months=validity_months, delivery_modes=list(delivery_modes),
        languages=list(languages), joint_delivery=joint_delivery,
        attendance_threshold=attendance_threshold,
    )  # fmt: skip
    _validate_and_write_module(
        actor=actor, module=module, prerequisites=list(prerequisites),
        conferrals=list(conferrals),
    )  # fmt: skip
    return module


@transaction.atomic
def change_national_module(
    *, actor: Actor, module: Module, reason: str = "", **changes: Any
) -> Module:
    """Change a national module: any of the fields `create_national_module` takes (but its
    administration), `prerequisites` and `conferrals` replacing the lists held.

    No `Change` is reported, whatever changes. Compliance is computed from completions, and a
    completion keeps the area, level and valid-until it was recorded with: evidence is what the
    module conferred when it was earned, so new conferrals, hours or validity apply to the
    completions recorded from now on and no figure of today or of any earlier date moves. The
    pages that read conferrals (the matrix, nomination candidates) read them live."""
    _refuse_common(module.beneficiary_id)
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=module.beneficiary_id)
    unknown = set(changes) - NATIONAL_MODULE_FIELDS - MODULE_RELATIONS
    if unknown:
        raise TypeError(f"Module: cannot change {', '.join(sorted(unknown))}")
    prerequisites = list(changes.pop("prerequisites", module.prerequisites_any_of.all()))
    conferrals = list(
        changes.pop(
            "conferrals",
            [(c.area, c.level) for c in module.conferrals.select_related("area", "level")],
        )
    )
    if "translations" in changes:
        changes["translations"] = _clean_translations(changes["translations"])
    stored = {name: getattr(module, name) for name in changes}
    apply_changes(module, changes, NATIONAL_MODULE_FIELDS)
    try:
        _validate_and_write_module(
            actor=actor, module=module, prerequisites=prerequisites, conferrals=conferrals,
            message=clean_text(reason),
        )  # fmt: skip
    except BaseException:
        # A refused change leaves the module as the caller gave it (a form shows the errors
        # next to the stored values).
        for name, value in stored.items():
            setattr(module, name, value)
        raise
    return module


# Draft versions: prepared (copied, or imported from a CASE package) without changing anything,
# then published on a date.


def _draft_code(base: str) -> str:
    """A free version code for a draft: `base-draft`, then `base-draft2`, …"""
    base = (clean_text(base) or "case")[:12]
    taken = set(
        FrameworkVersion.objects.filter(code__startswith=base).values_list("code", flat=True)
    )
    for number in range(1, 1000):
        code = f"{base}-draft{number if number > 1 else ''}"
        if code not in taken:
            return code
    raise ValidationError({"code": _("Choose a code for the draft.")})


def _write_draft(
    *,
    actor: Actor,
    code: str,
    title: str,
    effective_from: datetime.date | None,
    requirements: list[Requirement],
    message: str,
) -> FrameworkVersion:
    """The draft and its requirements, with one audit row for the version and one for its
    requirements. Nothing is reported: a draft changes no figure."""
    version = FrameworkVersion(
        code=clean_text(code) or _draft_code("draft"),
        title=clean_text(title),
        effective_from=effective_from or timezone.localdate(),
        published=False,
    )
    write(actor=actor, obj=version, message=message)
    for requirement in requirements:
        requirement.version = version
    Requirement.objects.bulk_create(requirements)
    record(
        actor=actor,
        action=AuditEvent.Action.BULK,
        obj=version,
        after={
            "requirements": sorted(
                f"{r.area.code}×{r.category.code}: {r.level.code}/{r.refresher_months}"
                f"/{r.deadline_months}"
                for r in requirements
            )
        },
        message=message,
    )
    return version


@transaction.atomic
def create_draft_version(
    *,
    actor: Actor,
    source: FrameworkVersion,
    code: str,
    title: str,
    effective_from: datetime.date | None = None,
) -> FrameworkVersion:
    """A draft version whose requirements are a copy of `source`'s, for the coordinator to
    change and later publish. Applies nowhere until `publish_version`."""
    require(actor, Verb.PUBLISH_FRAMEWORK)
    copies = [
        Requirement(
            area=r.area, category=r.category, level=r.level,
            refresher_months=r.refresher_months, deadline_months=r.deadline_months,
        )
        for r in source.requirements.select_related("area", "category", "level")
    ]  # fmt: skip
    return _write_draft(
        actor=actor, code=code, title=title or source.title, effective_from=effective_from,
        requirements=copies, message=f"Draft copied from version {source.code}",
    )  # fmt: skip


@transaction.atomic
def publish_version(
    *, actor: Actor, version: FrameworkVersion, effective_from: datetime.date
) -> FrameworkVersion:
    """Put a draft in force from `effective_from`: from then on every figure and page follows
    its requirements. The date may not fall on or before that of the latest published version
    (a published version is never rewritten, nor is the past it governed)."""
    require(actor, Verb.PUBLISH_FRAMEWORK)
    version = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if version.published:
        raise ValidationError(_("Version %(code)s is already published.") % {"code": version.code})
    if not version.requirements.exists():
        raise ValidationError(_("A version without requirements cannot be published."))
    latest = FrameworkVersion.objects.published().order_by("-effective_from").first()
    if latest is not None and effective_from <= latest.effective_from:
        raise ValidationError(
            {
                "effective_from": _(
                    "Choose a date after %(date)s, when version %(code)s took effect."
                )
                % {"date": latest.effective_from.isoformat(), "code": latest.code}
            }
        )
    version.effective_from = effective_from
    version.published = True
    write(actor=actor, obj=version, message=f"Published, in force from {effective_from}")
    report(Change(common_matrix=True))
    return version


def _editable_draft(version: FrameworkVersion) -> FrameworkVersion:
    """The draft, locked for the change; a published version is refused (it is never
    rewritten: its figures and the past it governed stay as they were)."""
    locked = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if locked.published:
        raise ValidationError(
            _("Version %(code)s is published and cannot be changed: change a draft instead.")
            % {"code": locked.code}
        )
    return locked


@transaction.atomic
def change_draft_requirement(
    *,
    actor: Actor,
    version: FrameworkVersion,
    area: CompetencyArea,
    category: StaffCategory,
    level: Level,
    refresher_months: int,
    deadline_months: int,
) -> Requirement:
    """Set one cell of a draft: the required level, refresher interval and deadline of
    (area, category), added where the draft has no requirement there. Coordinator only; a draft
    changes no figure, so nothing is reported until it is published."""
    require(actor, Verb.PUBLISH_FRAMEWORK)
    draft = _editable_draft(version)
    requirement = Requirement.objects.filter(version=draft, area=area, category=category).first()
    added = requirement is None
    if requirement is None:
        requirement = Requirement(version=draft, area=area, category=category)
    requirement.level = level
    requirement.refresher_months = refresher_months
    requirement.deadline_months = deadline_months
    verb = "added" if added else "changed"
    write(
        actor=actor,
        obj=requirement,
        message=f"Draft {draft.code}: cell {area.code}×{category.code} {verb}",
    )
    return requirement


@transaction.atomic
def remove_draft_requirement(
    *, actor: Actor, version: FrameworkVersion, area: CompetencyArea, category: StaffCategory
) -> None:
    """Take one cell out of a draft: the draft asks nothing of the category in the area.
    Coordinator only; refused on a published version and on a cell the draft does not have."""
    require(actor, Verb.PUBLISH_FRAMEWORK)
    draft = _editable_draft(version)
    requirement = Requirement.objects.filter(version=draft, area=area, category=category).first()
    if requirement is None:
        raise ValidationError(
            _("Draft %(code)s has no requirement for %(area)s × %(category)s.")
            % {"code": draft.code, "area": area.code, "category": category.code}
        )
    delete_audited(
        actor=actor,
        obj=requirement,
        message=f"Draft {draft.code}: cell {area.code}×{category.code} removed",
    )


@dataclass
class CaseImport:
    """What a CASE import did: the reading of the package (what maps and what does not) and
    the draft written from it (None on a dry run, or when no requirement maps)."""

    reading: CaseReading
    version: FrameworkVersion | None


@transaction.atomic
def import_case_version(
    *,
    actor: Actor,
    data: Any,
    code: str = "",
    title: str = "",
    dry_run: bool = False,
) -> CaseImport:
    """A CASE package (1.1, or 1.0 as OpenSALT writes it) read against the matrix, and its
    requirements written as a new draft version. Areas, levels and categories are recognised,
    never created or renamed: they come with the framework file. Raises `CasePackageError`
    for a file that is not a CASE package."""
    require(actor, Verb.PUBLISH_FRAMEWORK)
    reading = read_package(data)
    if dry_run or not reading.requirements:
        return CaseImport(reading=reading, version=None)
    version = _write_draft(
        actor=actor,
        code=code or _draft_code(reading.version_code or "case"),
        title=title or reading.document_title or "CASE import",
        effective_from=None,
        requirements=[spec.requirement() for spec in reading.requirements],
        message=f"Imported from CASE {reading.case_version} package "
        f"{reading.document_identifier}: {reading.summary()}",
    )
    return CaseImport(reading=reading, version=version)
