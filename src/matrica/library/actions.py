"""Writes to the resource library: adding, changing and withdrawing a resource. Each action
checks the actor's permission (`Verb.CURATE_LIBRARY`: the coordinator curates the common
resources, an administration's administrators and training managers its own), validates every
rule (an upload by its content and size), writes, audits, in one transaction. The search index
follows by itself (`matrica.library.search`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import apply_changes, record, required_reason, write
from matrica.framework.models import CompetencyArea, Level, Module, StaffCategory
from matrica.library import search
from matrica.library.models import Resource
from matrica.library.storage import private_storage
from matrica.library.uploads import check_upload
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.scoping import SYSTEM
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

STARTER_CATALOGUE = Path(__file__).parent / "data" / "starter_catalogue.json"

RESOURCE_FIELDS = frozenset(
    {"kind", "title", "summary", "translations", "publisher", "year", "url", "licence",
     "languages"}
)  # fmt: skip
RELATIONS = ("areas", "levels", "audiences", "modules")


def _clean_translations(translations: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    for language, fields in (translations or {}).items():
        texts = {
            name: clean_text(str(text)) for name, text in fields.items() if clean_text(str(text))
        }
        if texts:
            cleaned[language] = texts
    return cleaned


def _derive(resource: Resource) -> None:
    resource.search_document = search.document_of(resource)
    resource.language_index = search.language_index(resource.languages or [])


def _relations_of(resource: Resource) -> dict[str, list[str]]:
    return {
        "areas": sorted(resource.areas.values_list("code", flat=True)),
        "levels": sorted(resource.levels.values_list("code", flat=True)),
        "audiences": sorted(resource.audiences.values_list("code", flat=True)),
        "modules": sorted(resource.modules.values_list("code", flat=True)),
    }


def _check_modules(actor: Actor, resource: Resource, modules: list[Module]) -> None:
    """A resource links modules its readers may see: common ones, or its administration's."""
    wanted = {module.pk for module in modules}
    allowed = set(
        Module.objects.visible_to(actor).filter(pk__in=wanted).values_list("beneficiary_id", "pk")
    )
    ok = {pk for owner, pk in allowed if owner is None or owner == resource.beneficiary_id}
    if wanted - ok:
        raise ValidationError(
            {"modules": _("Link modules of the common matrix or of the same administration.")}
        )


def _store(upload: UploadedFile) -> tuple[str, str]:
    """Check the upload and store it under a random name: (stored name, content type)."""
    extension, content_type = check_upload(upload.name or "", upload.size or 0, upload)
    name = private_storage().save(f"{uuid.uuid4().hex}{extension}", upload)
    return name, content_type


def _attach(resource: Resource, upload: UploadedFile) -> str:
    """Store `upload` for `resource`; returns the name of the file it replaces ("" if none)."""
    previous = resource.stored_name
    stored, content_type = _store(upload)
    resource.stored_name = stored
    resource.original_filename = Path(upload.name or "file").name[:255]
    resource.content_type = content_type
    resource.file_size = upload.size
    # A rolled-back write leaves no file behind; a committed one no stale file.
    transaction.on_commit(lambda: private_storage().delete(previous) if previous else None)
    return stored


def _discard_on_error(stored: str) -> None:
    if stored:
        private_storage().delete(stored)


def _write_relations(
    actor: Actor, resource: Resource, relations: dict[str, list[Any]], message: str
) -> None:
    before = _relations_of(resource) if relations else None
    for name, values in relations.items():
        getattr(resource, name).set(values)
    if relations:
        after = _relations_of(resource)
        if before != after:
            record(
                actor=actor, action=AuditEvent.Action.UPDATE, obj=resource, before=before,
                after=after, message=message or "Areas, levels, audiences and modules",
            )  # fmt: skip


@transaction.atomic
def add_resource(
    *,
    actor: Actor,
    beneficiary: Beneficiary | None,
    kind: str,
    title: str,
    summary: str = "",
    translations: dict[str, dict[str, str]] | None = None,
    publisher: str = "",
    year: int | None = None,
    url: str = "",
    licence: str = "",
    languages: list[str] | None = None,
    areas: list[CompetencyArea] | None = None,
    levels: list[Level] | None = None,
    audiences: list[StaffCategory] | None = None,
    modules: list[Module] | None = None,
    upload: UploadedFile | None = None,
    code: str | None = None,
) -> Resource:
    """A new resource: common (`beneficiary` None, the coordinator) or an administration's."""
    require(actor, Verb.CURATE_LIBRARY, beneficiary_id=beneficiary.pk if beneficiary else None)
    resource = Resource(
        beneficiary=beneficiary, code=code or None, kind=kind, title=clean_text(title),
        summary=clean_text(summary), translations=_clean_translations(translations or {}),
        publisher=clean_text(publisher), year=year, url=clean_text(url),
        licence=clean_text(licence), languages=list(dict.fromkeys(languages or [])),
    )  # fmt: skip
    _check_modules(actor, resource, list(modules or []))
    stored = _attach(resource, upload) if upload is not None else ""
    try:
        _derive(resource)
        write(actor=actor, obj=resource)
    except BaseException:
        _discard_on_error(stored)
        raise
    _write_relations(
        actor, resource,
        {"areas": list(areas or []), "levels": list(levels or []),
         "audiences": list(audiences or []), "modules": list(modules or [])},
        "",
    )  # fmt: skip
    return resource


@transaction.atomic
def change_resource(
    *,
    actor: Actor,
    resource: Resource,
    upload: UploadedFile | None = None,
    remove_file: bool = False,
    reason: str = "",
    **changes: Any,
) -> Resource:
    """Change any field `add_resource` takes but the administration and code; `areas`,
    `levels`, `audiences`, `modules` replace the lists held; `upload` replaces the file and
    `remove_file` drops it."""
    require(actor, Verb.CURATE_LIBRARY, beneficiary_id=resource.beneficiary_id)
    relations = {name: list(changes.pop(name)) for name in RELATIONS if name in changes}
    if "translations" in changes:
        changes["translations"] = _clean_translations(changes["translations"])
    if "languages" in changes:
        changes["languages"] = list(dict.fromkeys(changes["languages"]))
    if "modules" in relations:
        _check_modules(actor, resource, relations["modules"])
    apply_changes(resource, changes, RESOURCE_FIELDS)
    stored = ""
    if upload is not None:
        stored = _attach(resource, upload)
    elif remove_file and resource.stored_name:
        previous = resource.stored_name
        resource.stored_name = resource.original_filename = resource.content_type = ""
        resource.file_size = None
        transaction.on_commit(lambda: private_storage().delete(previous))
    try:
        _derive(resource)
        write(actor=actor, obj=resource, message=clean_text(reason))
    except BaseException:
        _discard_on_error(stored)
        raise
    _write_relations(actor, resource, relations, clean_text(reason))
    return resource


@transaction.atomic
def withdraw_resource(*, actor: Actor, resource: Resource, reason: str) -> Resource:
    """Take a resource out of the library, with the reason; the record and its file stay (the
    audit trail points at them) but no search, cell or record lists it and its file is no
    longer given out."""
    require(actor, Verb.CURATE_LIBRARY, beneficiary_id=resource.beneficiary_id)
    reason = required_reason(reason, _("Say why the resource is withdrawn."))
    if resource.withdrawn_at is not None:
        raise ValidationError(_("The resource is already withdrawn."))
    resource.withdrawn_at = timezone.now()
    resource.withdrawal_reason = reason
    write(actor=actor, obj=resource, message=reason)
    return resource


# The starter catalogue ------------------------------------------------------------------------


class CatalogueError(ValueError):
    """The catalogue file is not usable; the message lists every problem found."""


@dataclass
class CatalogueReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def read_catalogue(path: Path = STARTER_CATALOGUE) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise CatalogueError(f"{path}: {error}") from error
    entries: list[dict[str, Any]] = data.get("resources", [])
    problems = []
    codes = [entry.get("code") for entry in entries]
    for index, entry in enumerate(entries):
        for key in ("code", "kind", "title"):
            if not entry.get(key):
                problems.append(f"resources[{index}].{key}: missing")
        if entry.get("kind") not in Resource.Kind.values:
            problems.append(f"resources[{index}].kind: unknown {entry.get('kind')!r}")
    if len(codes) != len(set(codes)):
        problems.append("resources: a code is given twice")
    if problems:
        raise CatalogueError("\n".join(problems))
    return entries


def load_catalogue_entry(entry: dict[str, Any], *, actor: Actor = SYSTEM) -> str:
    """Add or update one common resource of the catalogue, by its code: "added", "updated"
    or "unchanged"."""
    related: dict[str, Any] = {
        "areas": list(CompetencyArea.objects.filter(code__in=entry.get("areas", []))),
        "levels": list(Level.objects.filter(code__in=entry.get("levels", []))),
        "audiences": list(StaffCategory.objects.filter(code__in=entry.get("audiences", []))),
        "modules": list(Module.objects.filter(code__in=entry.get("modules", []))),
    }
    fields: dict[str, Any] = {
        "kind": entry["kind"], "title": entry["title"], "summary": entry.get("summary", ""),
        "translations": entry.get("translations", {}), "publisher": entry.get("publisher", ""),
        "year": entry.get("year"), "url": entry.get("url", ""),
        "licence": entry.get("licence", ""), "languages": entry.get("languages", []),
    }  # fmt: skip
    existing = Resource.objects.filter(code=entry["code"]).first()
    if existing is None:
        add_resource(actor=actor, beneficiary=None, code=entry["code"], **fields, **related)
        return "added"
    before = _state(existing)
    change_resource(actor=actor, resource=existing, **fields, **related)
    return "unchanged" if _state(existing) == before else "updated"


def _state(resource: Resource) -> tuple[Any, ...]:
    resource.refresh_from_db()
    return (repr([getattr(resource, name) for name in sorted(RESOURCE_FIELDS)]),
            repr(_relations_of(resource)))  # fmt: skip
