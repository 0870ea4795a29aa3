"""Recording evidence. Every write is audited and brings the derived compliance figures of the
people concerned up to date in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.services import record_created
from matrica.framework.models import CompetencyArea, Level, Module
from matrica.staff.models import StaffMember
from matrica.training.models import Completion

if TYPE_CHECKING:
    from matrica.accounts.models import User


def _refresh_compliance(staff_ids: list[int]) -> None:
    # Compliance is the one engine that writes derived figures; the writers of its inputs call
    # it explicitly (docs/decisions/002-derived-compliance-tables.md).
    from matrica.compliance.services import refresh_people

    refresh_people(staff_ids)


def _check_date(completed_on: datetime.date) -> None:
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("Evidence cannot be dated in the future.")})


@transaction.atomic
def record_module_completions(
    *,
    actor: User | None,
    module: Module,
    completed_on: datetime.date,
    staff_members: Sequence[StaffMember],
    source: str = Completion.Source.SESSION,
) -> list[Completion]:
    """Everyone in `staff_members` completed `module` on `completed_on` (the results of one
    session, say): one completion per (area, level) the module confers."""
    _check_date(completed_on)
    valid_until = completed_on + relativedelta(months=module.validity_months)
    conferrals = list(module.conferrals.select_related("area", "level"))
    completions = Completion.objects.bulk_create(
        Completion(
            staff_member=member, area=conferral.area, level=conferral.level,
            completed_on=completed_on, valid_until=valid_until, source=source, module=module,
        )
        for member in staff_members
        for conferral in conferrals
    )  # fmt: skip
    record_created(actor=actor, objs=list(completions), message=f"Module {module.code} completed")
    _refresh_compliance([member.pk for member in staff_members])
    return completions


@transaction.atomic
def record_evidence(
    *,
    actor: User | None,
    staff_member: StaffMember,
    area: CompetencyArea,
    level: Level,
    completed_on: datetime.date,
    valid_until: datetime.date,
    source: str,
    note: str = "",
) -> Completion:
    """Evidence that is not a delivered module: recognised prior learning or a manual entry,
    which must say why it is accepted."""
    _check_date(completed_on)
    completion = Completion(
        staff_member=staff_member, area=area, level=level, completed_on=completed_on,
        valid_until=valid_until, source=source, note=note.strip(),
    )  # fmt: skip
    completion.full_clean()
    if completion.source not in (Completion.Source.SESSION, Completion.Source.ELEARNING) and not (
        completion.note
    ):
        raise ValidationError({"note": _("Say why this evidence is accepted.")})
    completion.save()
    record_created(actor=actor, objs=[completion])
    _refresh_compliance([staff_member.pk])
    return completion
