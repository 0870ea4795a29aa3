"""The roster of a session, as the session page shows it: `{% session_roster session user %}`.

A tag rather than view context, so that the session page (another module's view) passes only the
session and the user: what the roster shows, and which of its buttons the user may use, is
decided here, through the same scoping and permissions as the pages behind the buttons."""

from __future__ import annotations

from typing import Any

from django import template

from matrica.delivery import selectors
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.tenancy.permissions import Verb, may
from matrica.tenancy.roles import Role

register = template.Library()

BEFORE_HELD = frozenset({TrainingSession.State.PLANNED, TrainingSession.State.OPEN})
REGISTER_STATES = frozenset({TrainingSession.State.OPEN, TrainingSession.State.HELD})


@register.inclusion_tag("delivery/enrolments/_roster_table.html")
def session_roster(session: TrainingSession, user: Any) -> dict[str, Any]:
    """The enrolments the user may see (institution managers: their own people), with what the
    user may do: nominate, give places, withdraw, keep the register. Three queries, whatever the
    number of people."""
    beneficiary_id = session.beneficiary_id
    rows = list(
        selectors.roster(session).filter(pk__in=Enrolment.objects.visible_to(user).values("pk"))
    )
    may_nominate = may(user, Verb.NOMINATE, beneficiary_id=beneficiary_id)
    before_held = session.state in BEFORE_HELD
    own_id = getattr(user, "staff_member_id", None)
    for row in rows:
        row.may_withdraw = (  # type: ignore[attr-defined]
            before_held
            and row.state in Enrolment.ACTIVE
            and (may_nominate or (own_id is not None and row.staff_member_id == own_id))
        )
    may_register = may(user, Verb.RECORD_ATTENDANCE, beneficiary_id=beneficiary_id) and (
        session.state in REGISTER_STATES
    )
    if may_register and getattr(user, "role", "") == Role.TRAINER:
        may_register = session.trainers.filter(pk=own_id or 0).exists()
    return {
        "session": session,
        "rows": rows,
        "may_nominate": may_nominate and session.state == TrainingSession.State.OPEN,
        "may_confirm": before_held and may(user, Verb.PLAN_TRAINING, beneficiary_id=beneficiary_id),
        "nominated": sum(1 for row in rows if row.state == Enrolment.State.NOMINATED),
        "days": list(session.days.all()) if may_register else [],
        "may_withdraw_any": any(row.may_withdraw for row in rows),  # type: ignore[attr-defined]
    }
