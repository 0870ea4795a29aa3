"""The one place that decides which rows a user may see.

Every model holding personal or national data declares, as `tenancy = TenancyPaths(...)`, the
lookups from its rows to the administration, the institution and the staff member they belong to.
`visible_to(user)` turns the user's role into one filter on those paths. Pages, exports, the admin
and the API all start from `Model.objects.visible_to(user)`, so a row out of scope is simply not
there: fetching it answers 404, exactly like a row that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q
from django.http import Http404

from matrica.tenancy.roles import ROLE_REACH, Reach

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from matrica.accounts.models import User


@dataclass(frozen=True)
class TenancyPaths:
    """Lookups from a model's rows to the scope they belong to.

    `personal` rows (people, their evidence, the audit trail) are shown to a narrow role only
    through the path that matches its reach; organisational rows (administrations, services,
    institutions) fall back to the broader path, so a staff member still sees their own service.
    `regional_visible` lets the regional coordinator see every row: only for rows that carry no
    personal data. `regional_filter`, when set, is what the coordinator sees instead.
    """

    beneficiary: str | None = None
    institution: str | None = None
    staff_member: str | None = None
    personal: bool = False
    regional_visible: bool = False
    regional_filter: Q | None = None


def _lookup(path: str, value: Any) -> Q:
    return Q(**{path: value})


def visibility_filter(model: type[models.Model], user: Actor | AnonymousUser) -> Q | None:
    """The filter selecting the rows of `model` that `user` may see; None means none at all."""
    paths: TenancyPaths = model.tenancy  # type: ignore[attr-defined]
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    reach = ROLE_REACH.get(user.role)
    if reach is None:
        return None
    if reach is Reach.REGION:
        if paths.regional_filter is not None:
            return paths.regional_filter
        return Q() if paths.regional_visible else None

    by_beneficiary = (
        _lookup(paths.beneficiary, user.beneficiary_id)
        if paths.beneficiary and user.beneficiary_id
        else None
    )
    by_institution = (
        _lookup(paths.institution, user.institution_id)
        if paths.institution and user.institution_id
        else None
    )
    by_self = (
        _lookup(paths.staff_member, user.staff_member_id)
        if paths.staff_member and user.staff_member_id
        else None
    )
    if reach is Reach.ADMINISTRATION:
        return by_beneficiary
    if paths.personal:
        # A narrow role sees personal rows only along its own path, never more broadly.
        return by_institution if reach is Reach.INSTITUTION else by_self
    if reach is Reach.INSTITUTION:
        return by_institution or by_beneficiary
    return by_self or by_institution or by_beneficiary


def names_everyone_placed(user: Actor | AnonymousUser) -> bool:
    """Whether `user` may see by name everyone placed in the institutions they may see: a
    superuser, a role reaching an administration (both filtered by its administration) or an
    institution (both by its institution). A figure over those institutions then counts
    exactly the people a list of names would show, so the list may take its total from it.
    (tests/test_tenancy checks the claim for every role.)"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    reach = ROLE_REACH.get(user.role)
    if reach is Reach.ADMINISTRATION:
        return bool(user.beneficiary_id)
    if reach is Reach.INSTITUTION:
        return bool(user.institution_id)
    return False


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: Actor | AnonymousUser) -> Self:
        condition = visibility_filter(self.model, user)
        if condition is None:
            return self.none()
        return self.filter(condition)


class SharedOrScopedQuerySet(ScopedQuerySet):
    """Rows with no administration (`beneficiary` empty) are shared by the region: everyone
    signed in reads them (the common matrix's modules, the common library). An
    administration's own rows are scoped like any other national row."""

    def visible_to(self, user: Actor | AnonymousUser) -> Self:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        condition = visibility_filter(self.model, user)
        if condition is None:
            return self.filter(beneficiary__isnull=True)
        if not condition:  # everything (`Q() | other` would be `other` alone)
            return self.all()
        return self.filter(condition | Q(beneficiary__isnull=True))


def ensure_visible(obj: models.Model, user: Actor | AnonymousUser) -> None:
    """Raise 404 unless `user` may see `obj`; called after a write, inside its transaction,
    so that a change which would move a record out of the writer's scope is rolled back."""
    manager = type(obj)._default_manager
    if not manager.visible_to(user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise Http404


class SystemUser:
    """The actor of command-line work (`matrica compliance export`, `matrica notify`): an
    operator with shell access to the server already holds every record, so it sees all."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    role = ""
    pk = None
    beneficiary_id = institution_id = staff_member_id = None
    beneficiary = institution = staff_member = None

    def get_username(self) -> str:
        return "system"


SYSTEM = SystemUser()

if TYPE_CHECKING:
    from typing import TypeAlias

    Actor: TypeAlias = "User | SystemUser"
