"""The API's routes. Thin, like the pages: every read starts from `visible_to(request.user)`
(out of scope is 404, exactly like a record that does not exist), aggregates pass through the
compliance selectors' disclosure control, and every write calls the action the pages call."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as Answer
from ninja.errors import HttpError

from matrica.api.pagination import DEFAULT_LIMIT, moment, offset_page, page
from matrica.audit.models import AuditEvent
from matrica.compliance import selectors as compliance
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.status import Status
from matrica.delivery.models import TrainingSession
from matrica.framework.models import CompetencyArea, Level, Module, StaffCategory
from matrica.framework.selectors import version_in_force
from matrica.staff import actions as staff_actions
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution
from matrica.training import actions as training_actions
from matrica.training.models import Completion

if TYPE_CHECKING:
    from matrica.accounts.models import User

router = Router()


def _actor(request: HttpRequest) -> User:
    """The token's owner (TokenAuth put them on the request)."""
    return cast("User", request.user)


# Shapes ----------------------------------------------------------------------------------------


class Named(Schema):
    code: str
    title: str


class LevelOut(Named):
    rank: int


class CategoryOut(Named):
    is_role: bool
    applies_to_all: bool


class RequirementOut(Schema):
    area: str
    category: str
    level: str
    refresher_months: int
    deadline_months: int


class VersionOut(Schema):
    code: str
    title: str
    effective_from: datetime.date


class FrameworkOut(Schema):
    version: VersionOut
    levels: list[LevelOut]
    areas: list[Named]
    categories: list[CategoryOut]
    requirements: list[RequirementOut]


class AdministrationOut(Schema):
    code: str
    name: str


class InstitutionOut(Schema):
    id: int
    administration: str
    name: str
    kind: str
    service: str
    city: str


class StaffOut(Schema):
    id: int
    administration: str
    institution_id: int
    employee_number: str
    given_name: str
    family_name: str
    primary_category: str
    entry_date: datetime.date
    leaving_date: datetime.date | None
    active: bool
    preferred_language: str
    email: str
    updated_at: datetime.datetime


class StaffPage(Schema):
    items: list[StaffOut]
    next_cursor: str | None


class StaffIn(Schema):
    institution_id: int
    employee_number: str
    given_name: str
    family_name: str
    primary_category: str
    entry_date: datetime.date
    preferred_language: str = "en"
    email: str = ""


class StaffChange(Schema):
    institution_id: int | None = None
    employee_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    primary_category: str | None = None
    entry_date: datetime.date | None = None
    preferred_language: str | None = None
    email: str | None = None


class EvidenceOut(Schema):
    id: int
    staff_member_id: int
    area: str
    level: str
    module: str | None
    completed_on: datetime.date
    valid_until: datetime.date
    source: str
    note: str
    recorded_at: datetime.datetime
    updated_at: datetime.datetime


class EvidencePage(Schema):
    items: list[EvidenceOut]
    next_cursor: str | None


class EvidenceIn(Schema):
    staff_member_id: int
    area: str
    level: str
    completed_on: datetime.date
    valid_until: datetime.date
    source: str
    note: str = ""
    module: str | None = None


class VoidedOut(Schema):
    id: int
    voided_at: datetime.datetime


class StatusOut(Schema):
    staff_member_id: int
    area: str
    category: str
    required_level: str
    held_level: str | None
    deadline: datetime.date | None
    valid_until: datetime.date | None
    status: str


class StatusPage(Schema):
    items: list[StatusOut]
    next_cursor: str | None


class Figure(Schema):
    value: int | None
    suppressed: bool


class ShareOut(Schema):
    numerator: int | None
    denominator: int | None
    percent: float | None
    suppressed: bool


class IndicatorsOut(Schema):
    on: datetime.date
    administration: str | None
    people: Figure
    compliant: ShareOut
    aware: ShareOut
    front_line_at_level: ShareOut
    with_expiring: Figure
    with_overdue: Figure


class SessionOut(Schema):
    id: int
    administration: str
    module: str
    state: str
    starts_on: datetime.date
    ends_on: datetime.date
    capacity: int
    language: str
    is_joint: bool
    updated_at: datetime.datetime


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None


class Paging(Schema):
    cursor: str | None = None
    updated_since: datetime.datetime | None = None
    limit: int = DEFAULT_LIMIT


# Framework and organisation --------------------------------------------------------------------


def _named(rows: Any) -> list[dict[str, Any]]:
    return [{"code": row.code, "title": row.local_title} for row in rows]


@router.get("/framework", response=FrameworkOut, tags=["framework"])
def framework(request: HttpRequest) -> dict[str, Any]:
    """The common matrix in force today: levels, areas, staff categories and requirements,
    titles in the request's language (Accept-Language)."""
    version = version_in_force(timezone.localdate())
    if version is None:
        raise HttpError(404, "No framework version is in force.")
    requirements = version.requirements.values(
        area_code=F("area__code"), category_code=F("category__code"),
        level_code=F("level__code"), refresher=F("refresher_months"),
        deadline=F("deadline_months"),
    )  # fmt: skip
    return {
        "version": version,
        "levels": [
            {"code": level.code, "title": level.local_title, "rank": level.rank}
            for level in Level.objects.all()
        ],
        "areas": _named(CompetencyArea.objects.all()),
        "categories": [
            {
                "code": c.code,
                "title": c.local_title,
                "is_role": c.is_role,
                "applies_to_all": c.applies_to_all,
            }
            for c in StaffCategory.objects.all()
        ],
        "requirements": [
            {
                "area": r["area_code"],
                "category": r["category_code"],
                "level": r["level_code"],
                "refresher_months": r["refresher"],
                "deadline_months": r["deadline"],
            }
            for r in requirements
        ],
    }


@router.get("/administrations", response=list[AdministrationOut], tags=["organisation"])
def administrations(request: HttpRequest) -> Any:
    return Beneficiary.objects.visible_to(request.user).order_by("code").values("code", "name")


@router.get("/institutions", response=list[InstitutionOut], tags=["organisation"])
def institutions(request: HttpRequest, administration: str | None = None) -> Any:
    rows = Institution.objects.visible_to(request.user)
    if administration:
        rows = rows.filter(beneficiary__code=administration.upper())
    listed = rows.order_by("beneficiary__code", "name").values(
        "id", "name", "kind", "city", administration=F("beneficiary__code"),
        service_kind=F("service__kind"),
    )  # fmt: skip
    return [{**row, "service": row["service_kind"]} for row in listed]


# Staff -----------------------------------------------------------------------------------------

STAFF_VALUES = {
    "administration": F("beneficiary__code"),
    "category_code": F("primary_category__code"),
}
STAFF_FIELDS = (
    "id", "institution_id", "employee_number", "given_name", "family_name", "entry_date",
    "leaving_date", "active", "preferred_language", "email", "updated_at",
)  # fmt: skip


def _staff(request: HttpRequest) -> Any:
    return StaffMember.objects.visible_to(request.user)


@router.get("/staff", response=StaffPage, tags=["staff"])
def staff_list(
    request: HttpRequest, paging: Query[Paging], institution_id: int | None = None
) -> dict[str, Any]:
    """Everyone in your scope, in the order they last changed: keep `next_cursor` (or the time
    of your last run as `updated_since`) to fetch only what changed since."""
    rows = _staff(request)
    if institution_id is not None:
        rows = rows.filter(institution_id=institution_id)
    items, next_cursor = page(
        rows.values(*STAFF_FIELDS, **STAFF_VALUES), cursor=paging.cursor,
        updated_since=paging.updated_since, limit=paging.limit,
    )  # fmt: skip
    return {"items": [_staff_out(row) for row in items], "next_cursor": next_cursor}


def _staff_out(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "primary_category": row["category_code"]}


def _one_person(request: HttpRequest, staff_id: int) -> dict[str, Any]:
    return _staff_out(
        get_object_or_404(_staff(request).values(*STAFF_FIELDS, **STAFF_VALUES), pk=staff_id)
    )


@router.get("/staff/{staff_id}", response=StaffOut, tags=["staff"])
def staff_member(request: HttpRequest, staff_id: int) -> dict[str, Any]:
    return _one_person(request, staff_id)


def _category(code: str) -> StaffCategory:
    found = StaffCategory.objects.filter(code=code.upper()).first()
    if found is None:
        raise HttpError(400, f"No staff category has the code {code!r}.")
    return found


def _institution(request: HttpRequest, pk: int) -> Institution:
    return get_object_or_404(Institution.objects.visible_to(request.user), pk=pk)


@router.post("/staff", response={201: StaffOut}, tags=["staff"])
def add_staff_member(request: HttpRequest, data: StaffIn) -> Answer[dict[str, Any]]:
    member = staff_actions.create_staff_member(
        actor=_actor(request), institution=_institution(request, data.institution_id),
        employee_number=data.employee_number, given_name=data.given_name,
        family_name=data.family_name, primary_category=_category(data.primary_category),
        entry_date=data.entry_date, preferred_language=data.preferred_language,
        email=data.email,
    )  # fmt: skip
    return Answer(201, _one_person(request, member.pk))


@router.patch("/staff/{staff_id}", response=StaffOut, tags=["staff"])
def change_staff_member(request: HttpRequest, staff_id: int, data: StaffChange) -> Any:
    member = get_object_or_404(_staff(request), pk=staff_id)
    changes = data.dict(exclude_unset=True)
    if "institution_id" in changes:
        changes["institution"] = _institution(request, changes.pop("institution_id"))
    if "primary_category" in changes:
        changes["primary_category"] = _category(changes["primary_category"])
    staff_actions.update_staff_member(actor=_actor(request), staff_member=member, **changes)
    return _one_person(request, staff_id)


@router.get("/staff/{staff_id}/statuses", response=list[StatusOut], tags=["compliance"])
def staff_statuses(request: HttpRequest, staff_id: int, on: datetime.date | None = None) -> Any:
    """Where the person stands against each requirement on `on` (default today), with the
    stable status codes current, expiring, expired, missing and overdue."""
    member = get_object_or_404(_staff(request), pk=staff_id)
    return _statuses(compliance.person_statuses(member, on or timezone.localdate()))


# Evidence --------------------------------------------------------------------------------------

EVIDENCE_VALUES = {
    "area_code": F("area__code"),
    "level_code": F("level__code"),
    "module_code": F("module__code"),
}
EVIDENCE_FIELDS = (
    "id", "staff_member_id", "completed_on", "valid_until", "source", "note", "recorded_at",
    "updated_at",
)  # fmt: skip


def _evidence_out(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "area": row["area_code"], "level": row["level_code"],
            "module": row["module_code"]}  # fmt: skip


@router.get("/evidence", response=EvidencePage, tags=["evidence"])
def evidence_list(
    request: HttpRequest, paging: Query[Paging], staff_member_id: int | None = None
) -> dict[str, Any]:
    """Evidence in your scope, in the order it last changed (see /staff for the cursor);
    evidence voided since is at /evidence/voided."""
    rows = Completion.objects.visible_to(request.user)
    if staff_member_id is not None:
        rows = rows.filter(staff_member_id=staff_member_id)
    items, next_cursor = page(
        rows.values(*EVIDENCE_FIELDS, **EVIDENCE_VALUES), cursor=paging.cursor,
        updated_since=paging.updated_since, limit=paging.limit,
    )  # fmt: skip
    return {"items": [_evidence_out(row) for row in items], "next_cursor": next_cursor}


@router.get("/evidence/voided", response=list[VoidedOut], tags=["evidence"])
def voided_evidence(request: HttpRequest, since: datetime.datetime) -> Any:
    """The ids of evidence voided since a time, in your scope, so that a synchronised copy can
    drop them (a voided record is gone from /evidence; the audit trail keeps it)."""
    # Scoped like the trail itself (the rows name their administration and institution); only
    # the ids and times leave it.
    events = AuditEvent.objects.visible_to(request.user).filter(
        object_type=ContentType.objects.get_for_model(Completion),
        action=AuditEvent.Action.DELETE,
        timestamp__gte=moment(since),
    )
    return [
        {"id": int(event["object_id"]), "voided_at": event["timestamp"]}
        for event in events.order_by("timestamp", "pk").values("object_id", "timestamp")[:5000]
    ]


def _by_code(model: Any, code: str | None, label: str) -> Any:
    if code is None:
        return None
    found = model.objects.filter(code=code.upper()).first()
    if found is None:
        raise HttpError(400, f"No {label} has the code {code!r}.")
    return found


@router.post("/evidence", response={201: EvidenceOut}, tags=["evidence"])
def add_evidence(request: HttpRequest, data: EvidenceIn) -> Answer[dict[str, Any]]:
    """One piece of evidence (typically recognised prior learning): a source other than a
    session or e-learning must say why it is accepted (`note`)."""
    member = get_object_or_404(_staff(request), pk=data.staff_member_id)
    module = None
    if data.module is not None:
        module = get_object_or_404(Module.objects.visible_to(request.user), code=data.module)
    completion = training_actions.record_evidence(
        actor=_actor(request), staff_member=member,
        area=_by_code(CompetencyArea, data.area, "competency area"),
        level=_by_code(Level, data.level, "level"), completed_on=data.completed_on,
        valid_until=data.valid_until, source=data.source, note=data.note, module=module,
    )  # fmt: skip
    row = Completion.objects.values(*EVIDENCE_FIELDS, **EVIDENCE_VALUES).get(pk=completion.pk)
    return Answer(201, _evidence_out(row))


# Compliance ------------------------------------------------------------------------------------


def _statuses(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    areas = dict(CompetencyArea.objects.values_list("pk", "code"))
    categories = dict(StaffCategory.objects.values_list("pk", "code"))
    levels = dict(Level.objects.values_list("rank", "code"))
    return [
        {"staff_member_id": row["staff_member_id"], "area": areas[row["area_id"]],
         "category": categories[row["category_id"]],
         "required_level": levels[row["required_rank"]],
         "held_level": levels.get(row["held_rank"]) if row["held_rank"] else None,
         "deadline": _date(row["deadline"]), "valid_until": _date(row["valid_until"]),
         "status": row["status"]}
        for row in rows
    ]  # fmt: skip


def _date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _scope(
    request: HttpRequest, on: datetime.date | None, administration: str | None
) -> ComplianceScope:
    beneficiary = None
    if administration:
        if "\x00" in administration:  # no code holds one, and PostgreSQL refuses to compare it
            raise Http404
        beneficiary = get_object_or_404(
            Beneficiary.objects.visible_to(request.user), code=administration.upper()
        )
    return ComplianceScope(request.user, on or timezone.localdate(), beneficiary)


@router.get("/compliance/statuses", response=StatusPage, tags=["compliance"])
def status_list(
    request: HttpRequest,
    status: Status,
    on: datetime.date | None = None,
    administration: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """The people × requirements in one status (e.g. `overdue`) on a date, for those who may
    see the people: the coordinator, who sees no names, gets 403."""
    scope = _scope(request, on, administration)
    if not scope.sees_people:
        raise HttpError(403, "Your role sees figures, not people: use /compliance/indicators.")
    rows, next_cursor = offset_page(
        compliance.status_list(scope, status), cursor=cursor, limit=limit
    )
    return {"items": _statuses(rows), "next_cursor": next_cursor}


def _figure(value: compliance.Count) -> dict[str, Any]:
    return {"value": None if value.suppressed else value.value, "suppressed": value.suppressed}


def _share(value: compliance.Share) -> dict[str, Any]:
    hidden = value.suppressed
    return {
        "numerator": None if hidden else value.numerator,
        "denominator": None if hidden else value.denominator,
        "percent": value.percent, "suppressed": hidden,
    }  # fmt: skip


@router.get("/compliance/indicators", response=IndicatorsOut, tags=["compliance"])
def indicators(
    request: HttpRequest, on: datetime.date | None = None, administration: str | None = None
) -> dict[str, Any]:
    """The headline indicators of your scope (or one administration of it) on a date, under the
    same disclosure control as the dashboard: a figure about fewer than five people, or one
    that would give such a figure away, is `suppressed` with no value."""
    scope = _scope(request, on, administration)
    figures = compliance.headline(scope)
    return {
        "on": scope.on,
        "administration": scope.beneficiary.code if scope.beneficiary else None,
        "people": _figure(figures.people), "compliant": _share(figures.compliant),
        "aware": _share(figures.aware),
        "front_line_at_level": _share(figures.front_line_at_level),
        "with_expiring": _figure(figures.with_expiring),
        "with_overdue": _figure(figures.with_overdue),
    }  # fmt: skip


# Sessions --------------------------------------------------------------------------------------


@router.get("/sessions", response=SessionPage, tags=["sessions"])
def sessions(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Training sessions in your scope, in the order they last changed."""
    rows = TrainingSession.objects.visible_to(request.user).values(
        "id", "state", "starts_on", "ends_on", "capacity", "language", "is_joint", "updated_at",
        administration=F("beneficiary__code"), module_code=F("module__code"),
    )  # fmt: skip
    items, next_cursor = page(
        rows, cursor=paging.cursor, updated_since=paging.updated_since, limit=paging.limit
    )
    return {
        "items": [{**row, "module": row["module_code"]} for row in items],
        "next_cursor": next_cursor,
    }
