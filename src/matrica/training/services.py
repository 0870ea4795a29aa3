"""Recording evidence. Every write is audited and brings the derived compliance figures of the
people concerned up to date in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.services import record_created
from matrica.framework.models import CompetencyArea, Conferral, Level, Module
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
) -> QuerySet[Completion]:
    """Everyone in `staff_members` completed `module` on `completed_on` (the results of one
    session, say): one completion per (area, level) the module confers, written, audited and
    reflected in the compliance figures as a few set-based statements, whatever the number of
    people. Returns the new completions."""
    _check_date(completed_on)
    staff_ids = sorted({member.pk for member in staff_members})
    if not staff_ids:
        return Completion.objects.none()
    ops = connection.ops
    completion, staff = Completion._meta, StaffMember._meta
    conferral = Conferral._meta.db_table
    columns = ", ".join(
        ops.quote_name(cast("Field[Any, Any]", completion.get_field(name)).column)
        for name in ("staff_member", "area", "level", "module", "completed_on", "valid_until",
                     "source", "note", "recorded_at")
    )  # fmt: skip
    valid_until = completed_on + relativedelta(months=module.validity_months)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {completion.db_table} ({columns}) "
            f"SELECT s.id, cf.area_id, cf.level_id, cf.module_id, %s, %s, %s, '', %s "
            f"FROM {staff.db_table} s, {conferral} cf "
            f"WHERE cf.module_id = %s AND s.id IN ({', '.join(['%s'] * len(staff_ids))}) "
            "RETURNING id, staff_member_id",
            [ops.adapt_datefield_value(completed_on), ops.adapt_datefield_value(valid_until),
             Completion.Source(source).value, ops.adapt_datetimefield_value(timezone.now()),
             module.pk, *staff_ids],
        )  # fmt: skip
        rows = cursor.fetchall()
    recorded = {staff_id for _pk, staff_id in rows}
    if rows and recorded != set(staff_ids):
        missing = sorted(
            {f"{m.full_name} ({m.employee_number})" for m in staff_members if m.pk not in recorded}
        )
        # Rolls the whole session back: nobody's results are kept if someone's would be lost.
        raise ValidationError(
            _("These people are no longer in the registry: %(people)s.")
            % {"people": ", ".join(missing)}
        )
    created = Completion.objects.filter(pk__in=[pk for pk, _staff_id in rows])
    record_created(actor=actor, created=created, message=f"Module {module.code} completed")
    _refresh_compliance(staff_ids)
    return created


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
    record_created(actor=actor, created=Completion.objects.filter(pk=completion.pk))
    _refresh_compliance([staff_member.pk])
    return completion
