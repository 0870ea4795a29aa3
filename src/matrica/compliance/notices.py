"""Expiring-soon notices: each person, and their institution's managers, are told once per
lapse (person, area, valid-until) that training runs out within the window."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from matrica.accounts.models import User
from matrica.compliance import selectors
from matrica.compliance.models import ExpiryNotice
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.status import Status
from matrica.framework.models import CompetencyArea
from matrica.staff.models import StaffMember
from matrica.tenancy.roles import Role
from matrica.tenancy.scoping import SystemUser


@dataclass
class NoticePlan:
    """What one run would send: per person their lapsing areas, per manager their people."""

    lapses: list[tuple[StaffMember, CompetencyArea, datetime.date]] = field(default_factory=list)
    messages: list[tuple[str, str, str, list[str]]] = field(default_factory=list)


def _as_date(value: object) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def plan_notices(on: datetime.date) -> NoticePlan:
    """Lapses within the window on `on` that nobody has been told about yet."""
    rows = selectors.status_rows(ComplianceScope(SystemUser(), on), statuses=[Status.EXPIRING])
    # One lapse per (person, area): the earliest valid-until among the columns requiring it.
    earliest: dict[tuple[int, int], datetime.date] = {}
    for row in rows:
        key = (row["staff_member_id"], row["area_id"])
        until = _as_date(row["valid_until"])
        earliest[key] = min(until, earliest.get(key, until))
    already = set(
        ExpiryNotice.objects.filter(
            staff_member_id__in={person for person, _area in earliest}
        ).values_list("staff_member_id", "area_id", "valid_until")
    )
    fresh = {k: v for k, v in earliest.items() if (k[0], k[1], v) not in already}
    people = StaffMember.objects.select_related("institution").in_bulk({p for p, _a in fresh})
    areas = CompetencyArea.objects.in_bulk({a for _p, a in fresh})
    plan = NoticePlan(
        lapses=[(people[p], areas[a], until) for (p, a), until in sorted(fresh.items())]
    )
    plan.messages = _messages(plan.lapses)
    return plan


def _lines(lapses: list[tuple[StaffMember, CompetencyArea, datetime.date]]) -> str:
    return "\n".join(
        f"- {member.full_name}: {area.local_title} ({until.isoformat()})"
        for member, area, until in lapses
    )


def _messages(
    lapses: list[tuple[StaffMember, CompetencyArea, datetime.date]],
) -> list[tuple[str, str, str, list[str]]]:
    by_person: dict[StaffMember, list[tuple[StaffMember, CompetencyArea, datetime.date]]] = (
        defaultdict(list)
    )
    by_institution: dict[int, list[tuple[StaffMember, CompetencyArea, datetime.date]]] = (
        defaultdict(list)
    )
    for lapse in lapses:
        by_person[lapse[0]].append(lapse)
        by_institution[lapse[0].institution_id].append(lapse)
    messages = []
    sender = settings.DEFAULT_FROM_EMAIL
    for member, own in by_person.items():
        if not member.email:
            continue
        with translation.override(member.preferred_language):
            subject = _("Your training is about to expire")
            body = _(
                "The following training expires soon. Please ask your training unit for a "
                "refresher session.\n\n%(lines)s"
            ) % {"lines": _lines(own)}
        messages.append((subject, body, sender, [member.email]))
    managers = User.objects.filter(
        role=Role.INSTITUTION_MANAGER, institution_id__in=by_institution, is_active=True
    ).exclude(email="")
    for manager in managers:
        with translation.override(
            manager.staff_member.preferred_language if manager.staff_member else None
        ):
            subject = _("Training expiring soon in your institution")
            body = _(
                "Training of these members of staff expires within %(days)s days:\n\n%(lines)s"
            ) % {
                "days": settings.MATRICA_EXPIRING_WINDOW_DAYS,
                "lines": _lines(by_institution[manager.institution_id or 0]),
            }
        messages.append((subject, body, sender, [manager.email]))
    return messages


def send_notices(on: datetime.date, *, dry_run: bool = False) -> NoticePlan:
    """Record the lapses as notified and send the mail once the record is committed, so a
    lapse is never announced twice even if the command is run again."""
    plan = plan_notices(on)
    if dry_run or not plan.lapses:
        return plan
    with transaction.atomic():
        ExpiryNotice.objects.bulk_create(
            ExpiryNotice(staff_member=member, area=area, valid_until=until)
            for member, area, until in plan.lapses
        )
        transaction.on_commit(lambda: send_mass_mail(plan.messages, fail_silently=False))
    return plan
