"""Accepting a training plan: the sessions the manager kept, as adjusted, become planned
sessions through `delivery.actions.plan_session` (which checks, writes and audits each), all in
one transaction, with one audit row saying which plan they came from."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import record
from matrica.delivery import actions as delivery
from matrica.delivery.models import SessionDay, TrainingSession
from matrica.needs.plan_rules import working_days
from matrica.needs.plans import DAY_STARTS, Proposal, ProposedSession, town_of
from matrica.tenancy.models import Institution
from matrica.tenancy.permissions import Verb, require

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor


@dataclass(frozen=True)
class Adjusted:
    """A proposed session the manager keeps, with the first day, places and host institution
    they settled on."""

    session: ProposedSession
    starts_on: datetime.date
    capacity: int
    host: Institution

    def days(self) -> list[datetime.date]:
        """As many working days as proposed (one at least), from the first day on."""
        length = max(1, len(self.session.days) or 1)
        horizon = self.starts_on + datetime.timedelta(days=7 * length + 7)
        return working_days(self.starts_on, horizon)[:length] or [self.starts_on]


def _check_trainer(kept: Adjusted, days: list[datetime.date], per_month: int, label: str) -> None:
    """The proposed trainer is still free on the (possibly moved) days and under the monthly
    limit, counting the sessions accepted before this one."""
    trainer = kept.session.trainer
    if trainer is None:
        return
    live = TrainingSession.objects.exclude(state=TrainingSession.State.CANCELLED)
    if SessionDay.objects.filter(session__in=live.filter(trainers=trainer), date__in=days).exists():
        raise ValidationError(
            _("%(session)s: %(trainer)s already delivers a session on one of these days.")
            % {"session": label, "trainer": trainer.full_name}
        )
    first = days[0]
    month = live.filter(
        trainers=trainer, starts_on__year=first.year, starts_on__month=first.month
    ).count()
    if month >= per_month:
        raise ValidationError(
            _("%(session)s: %(trainer)s already delivers %(count)s sessions that month.")
            % {"session": label, "trainer": trainer.full_name, "count": month}
        )


@transaction.atomic
def accept_plan(
    *, actor: Actor, proposal: Proposal, kept: Sequence[Adjusted]
) -> list[TrainingSession]:
    """Plan every kept session of `proposal` as adjusted: one planned session each, inviting
    the institutions whose people it seats, held at the host institution, its explanation in
    the notes. All or nothing."""
    beneficiary = proposal.request.beneficiary
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=beneficiary.pk)
    if not kept:
        raise ValidationError(_("Keep at least one session to accept the plan."))
    created = []
    for number, choice in enumerate(kept, start=1):
        label = _("Session %(number)s (%(module)s, %(town)s)") % {
            "number": number, "module": choice.session.module.code, "town": choice.session.town,
        }  # fmt: skip
        if choice.host.beneficiary_id != beneficiary.pk:
            raise ValidationError(
                _("%(session)s: the host institution is not of this administration.")
                % {"session": label}
            )
        if choice.capacity < 1:
            raise ValidationError(
                _("%(session)s: a session needs one place at least.") % {"session": label}
            )
        days = choice.days()
        _check_trainer(choice, days, proposal.request.per_trainer_month, label)
        town = town_of(choice.host)
        venue = choice.host.name if town == choice.host.name else f"{choice.host.name}, {town}"
        try:
            session = delivery.plan_session(
                actor=actor, module=choice.session.module, beneficiary_id=beneficiary.pk,
                starts_on=days[0], ends_on=days[-1], starts_at=DAY_STARTS,
                ends_at=choice.session.ends_at, capacity=choice.capacity, venue=venue,
                trainers=[choice.session.trainer] if choice.session.trainer else [],
                invited_institutions=choice.session.invited, notes=choice.session.why,
            )  # fmt: skip
        except ValidationError as error:
            raise ValidationError([f"{label}: {message}" for message in error.messages]) from error
        created.append(session)
    record(
        actor=actor, action=AuditEvent.Action.BULK, obj=beneficiary,
        after={"sessions": [s.pk for s in created], "plan": proposal.request.query(),
               "fingerprint": proposal.fingerprint},
        message=_("Training plan accepted: %(count)s sessions planned.") % {"count": len(created)},
    )  # fmt: skip
    return created
