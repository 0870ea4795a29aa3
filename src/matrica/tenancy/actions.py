"""Writes to the organisation: administrations (the system's superusers only: they are the
tenants), and each administration's services and institutions (its national administrators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from matrica.audit.services import write, write_changes
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.tenancy.permissions import Verb, require
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

ADMINISTRATION_FIELDS = frozenset(
    {"code", "name", "authority", "languages", "footnote", "retention_years"}
)
SERVICE_FIELDS = frozenset({"name"})
INSTITUTION_FIELDS = frozenset({"service", "name", "kind", "city"})


@transaction.atomic
def create_administration(
    *, actor: Actor, code: str, name: str, authority: str = "", languages: list[str] | None = None
) -> Beneficiary:
    """A new tenant. Whether it holds demo data is decided by `matrica demo` alone, never here:
    the demo wipes what it marks as its own."""
    require(actor, Verb.MANAGE_ADMINISTRATIONS)
    beneficiary = Beneficiary(
        code=clean_text(code), name=clean_text(name), authority=clean_text(authority),
        languages=languages or [],
    )  # fmt: skip
    write(actor=actor, obj=beneficiary)
    return beneficiary


@transaction.atomic
def update_administration(*, actor: Actor, beneficiary: Beneficiary, **changes: Any) -> Beneficiary:
    require(actor, Verb.MANAGE_ADMINISTRATIONS)
    write_changes(actor=actor, obj=beneficiary, changes=changes, allowed=ADMINISTRATION_FIELDS)
    return beneficiary


@transaction.atomic
def create_service(*, actor: Actor, beneficiary: Beneficiary, kind: str, name: str) -> Service:
    require(actor, Verb.MANAGE_ORGANISATION, beneficiary_id=beneficiary.pk)
    service = Service(beneficiary=beneficiary, kind=kind, name=clean_text(name))
    write(actor=actor, obj=service)
    return service


@transaction.atomic
def update_service(*, actor: Actor, service: Service, **changes: Any) -> Service:
    require(actor, Verb.MANAGE_ORGANISATION, beneficiary_id=service.beneficiary_id)
    write_changes(actor=actor, obj=service, changes=changes, allowed=SERVICE_FIELDS)
    return service


@transaction.atomic
def create_institution(
    *, actor: Actor, service: Service, name: str, kind: str, city: str = ""
) -> Institution:
    """An institution of a service; it belongs to the service's administration."""
    require(actor, Verb.MANAGE_ORGANISATION, beneficiary_id=service.beneficiary_id)
    institution = Institution(
        service=service, beneficiary_id=service.beneficiary_id, name=clean_text(name), kind=kind,
        city=clean_text(city),
    )  # fmt: skip
    write(actor=actor, obj=institution)
    return institution


@transaction.atomic
def update_institution(*, actor: Actor, institution: Institution, **changes: Any) -> Institution:
    """Rename, re-classify or move an institution to the other service of its administration.
    Figures are kept per institution and joined to services when read: nothing to recompute."""
    require(actor, Verb.MANAGE_ORGANISATION, beneficiary_id=institution.beneficiary_id)
    write_changes(actor=actor, obj=institution, changes=changes, allowed=INSTITUTION_FIELDS)
    return institution
