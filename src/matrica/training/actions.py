"""Recording evidence: the results of a session, a single piece of evidence, its correction and
voiding. Each action checks the actor's permission, validates, writes, audits and reports the
people whose figures change, in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.services import (
    delete_audited,
    record_created,
    required_reason,
    write,
    write_changes,
)
from matrica.framework.models import CompetencyArea, Conferral, Level, Module
from matrica.staff.models import StaffMember
from matrica.tabular import Sheet, batched
from matrica.tenancy.changes import Change, report
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, require
from matrica.text import clean_text
from matrica.training.imports import CompletionImport, plan_evidence
from matrica.training.models import Completion

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

CORRECTABLE_FIELDS = frozenset({"area", "level", "completed_on", "valid_until", "note"})


def _check_date(completed_on: datetime.date) -> None:
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("Evidence cannot be dated in the future.")})


def _require_people(actor: Actor, staff_ids: list[int], members: Sequence[StaffMember]) -> None:
    """Everyone named must still be in the registry (named if not), within the actor's reach
    for recording evidence, and visible to them (404 otherwise)."""
    existing = dict(
        StaffMember.objects.filter(pk__in=staff_ids).values_list("pk", "beneficiary_id")
    )
    if len(existing) != len(staff_ids):
        gone = sorted(
            {f"{m.full_name} ({m.employee_number})" for m in members if m.pk not in existing}
        )
        # Nobody's results are kept if someone's would be lost.
        raise ValidationError(
            _("These people are no longer in the registry: %(people)s.")
            % {"people": ", ".join(gone)}
        )
    for beneficiary_id in sorted(set(existing.values())):
        require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=beneficiary_id)
    visible = StaffMember.objects.visible_to(actor).filter(pk__in=staff_ids).count()
    if visible != len(staff_ids):
        raise Http404


@dataclass(frozen=True)
class ModuleCompletions:
    """Everyone in `staff_members` completed `module` on `completed_on`."""

    module: Module
    completed_on: datetime.date
    staff_members: Sequence[StaffMember]


@transaction.atomic
def record_module_completions(
    *,
    actor: Actor,
    module: Module,
    completed_on: datetime.date,
    staff_members: Sequence[StaffMember],
    source: str = Completion.Source.SESSION,
) -> QuerySet[Completion]:
    """Everyone in `staff_members` completed `module` on `completed_on` (the results of one
    session, say): one completion per (area, level) the module confers, written, audited and
    reflected in the compliance figures as a few set-based statements, whatever the number of
    people. Returns the new completions."""
    return record_completions_of_modules(
        actor=actor, groups=[ModuleCompletions(module, completed_on, staff_members)],
        source=source,
    )  # fmt: skip


@transaction.atomic
def record_completions_of_modules(
    *,
    actor: Actor,
    groups: Sequence[ModuleCompletions],
    source: str = Completion.Source.SESSION,
) -> QuerySet[Completion]:
    """Several modules completed, each by its people on its day (a batch of e-learning
    completions): the same as `record_module_completions` for each group, written, audited
    and reported as one set of statements for all of them."""
    groups = [group for group in groups if group.staff_members]
    for group in groups:
        _check_date(group.completed_on)
    members = [member for group in groups for member in group.staff_members]
    staff_ids = sorted({member.pk for member in members})
    if not staff_ids:
        return Completion.objects.none()
    _require_people(actor, staff_ids, members)
    ops = connection.ops
    completion = Completion._meta
    conferral = Conferral._meta.db_table
    columns = ", ".join(
        ops.quote_name(cast("Field[Any, Any]", completion.get_field(name)).column)
        for name in ("staff_member", "area", "level", "module", "completed_on", "valid_until",
                     "source", "note", "recorded_at", "updated_at")
    )  # fmt: skip
    done = sorted({
        (member.pk, group.module.pk, group.completed_on,
         group.completed_on + relativedelta(months=group.module.validity_months))
        for group in groups for member in group.staff_members
    })  # fmt: skip
    now = ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH done (staff_id, module_id, completed_on, valid_until) AS "
            f"(VALUES {', '.join(['(%s, %s, %s, %s)'] * len(done))}) "
            f"INSERT INTO {completion.db_table} ({columns}) "
            f"SELECT done.staff_id, cf.area_id, cf.level_id, cf.module_id, done.completed_on, "
            f"done.valid_until, %s, '', %s, %s "
            f"FROM done JOIN {conferral} cf ON cf.module_id = done.module_id "
            "RETURNING id, area_id",
            [*(value for staff_id, module_id, completed_on, valid_until in done
               for value in (staff_id, module_id, ops.adapt_datefield_value(completed_on),
                             ops.adapt_datefield_value(valid_until))),
             Completion.Source(source).value, now, now],
        )  # fmt: skip
        rows = cursor.fetchall()
    created = Completion.objects.filter(pk__in=[pk for pk, _area_id in rows])
    codes = sorted({group.module.code for group in groups})
    message = (
        f"Module {codes[0]} completed" if len(codes) == 1
        else f"Modules completed: {', '.join(codes)}"
    )  # fmt: skip
    record_created(actor=actor, created=created, message=message)
    report(
        Change.of_evidence(
            staff_ids, {area_id for _pk, area_id in rows}, [g.completed_on for g in groups]
        )
    )
    return created


@transaction.atomic
def record_evidence(
    *,
    actor: Actor,
    staff_member: StaffMember,
    area: CompetencyArea,
    level: Level,
    completed_on: datetime.date,
    valid_until: datetime.date,
    source: str,
    note: str = "",
    module: Module | None = None,
) -> Completion:
    """One piece of evidence for one person: typically recognised prior learning or a manual
    entry, which must say why it is accepted."""
    require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=staff_member.beneficiary_id)
    completion = Completion(
        staff_member=staff_member, area=area, level=level, completed_on=completed_on,
        valid_until=valid_until, source=source, note=clean_text(note), module=module,
    )  # fmt: skip
    write(actor=actor, obj=completion, exclude=["recorded_at"])
    report(Change.of_evidence([staff_member.pk], [area.pk], [completed_on]))
    return completion


@transaction.atomic
def correct_evidence(
    *, actor: Actor, completion: Completion, reason: str, **changes: Any
) -> Completion:
    """Correct a piece of evidence (wrong date, area or level); the reason goes to the trail."""
    require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=completion.staff_member.beneficiary_id)
    reason = required_reason(reason, _("Say why the evidence is corrected."))
    area_before, gained_before = completion.area_id, completion.completed_on
    write_changes(
        actor=actor, obj=completion, changes=changes, allowed=CORRECTABLE_FIELDS,
        message=reason, exclude=["recorded_at"],
    )  # fmt: skip
    report(
        Change.of_evidence(
            [completion.staff_member_id], {area_before, completion.area_id},
            [gained_before, completion.completed_on],
        )
    )  # fmt: skip
    return completion


@transaction.atomic
def void_evidence(*, actor: Actor, completion: Completion, reason: str) -> None:
    """Evidence recorded in error stops counting. It is never deleted silently: the trail keeps
    the whole record, who voided it, when and why."""
    require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=completion.staff_member.beneficiary_id)
    reason = required_reason(reason, _("Say why the evidence is voided."))
    change = Change.of_evidence(
        [completion.staff_member_id], [completion.area_id], [completion.completed_on]
    )
    delete_audited(actor=actor, obj=completion, message=reason)
    report(change)


@transaction.atomic
def void_completions(*, actor: Actor, completion_ids: Sequence[int], reason: str) -> int:
    """Void several pieces of evidence at once (a reopened session's): each is kept on the
    trail like `void_evidence`, and the people concerned are redone once. Returns how many."""
    reason = required_reason(reason, _("Say why the evidence is voided."))
    completions = list(
        Completion.objects.filter(pk__in=list(completion_ids)).select_related("staff_member")
    )
    for beneficiary_id in sorted({c.staff_member.beneficiary_id for c in completions}):
        require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=beneficiary_id)
    visible = Completion.objects.visible_to(actor).filter(pk__in=[c.pk for c in completions])
    if visible.count() != len(completions):
        raise Http404
    for completion in completions:
        delete_audited(actor=actor, obj=completion, message=reason)
    people = {c.staff_member_id for c in completions}
    areas = {c.area_id for c in completions}
    report(Change.of_evidence(people, areas, [c.completed_on for c in completions]))
    return len(completions)


# Importing past evidence (docs/imports.md) -----------------------------------------------------

# Rows written (and audited) per statement.
IMPORT_BATCH = 2000


@transaction.atomic
def import_completions(
    *,
    actor: Actor,
    beneficiary: Beneficiary,
    sheet: Sheet,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
    on: datetime.date | None = None,
    source: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> CompletionImport:
    """Bring `sheet` (past evidence read by `matrica.tabular.read_sheet`) into `beneficiary`'s
    registry: every row applied, or none (RowsRefused with every problem); evidence already
    there (same person, area, level, date and source) is left as it is."""
    require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=beneficiary.pk)
    on = on or timezone.localdate()
    plan = plan_evidence(beneficiary=beneficiary, sheet=sheet, mapping=mapping, on=on)
    outcome, new = plan.outcome, plan.new
    outcome.dry_run = dry_run
    if dry_run or not new:
        return outcome
    named = f" ({source})" if source else ""
    for done, batch in enumerate(batched(new, IMPORT_BATCH), start=1):
        created = Completion.objects.bulk_create(batch)
        record_created(
            actor=actor, created=Completion.objects.filter(pk__in=[c.pk for c in created]),
            message=f"Imported{named}",
        )  # fmt: skip
        if progress:
            progress(min(done * IMPORT_BATCH, len(new)), len(new))
    outcome.people = {c.staff_member_id for c in new}
    report(
        Change.of_evidence(
            outcome.people, {c.area_id for c in new}, [c.completed_on for c in new], actor=actor
        )
    )
    return outcome
