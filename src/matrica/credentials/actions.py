"""Issuing and revoking certificates. Certificates follow a session's outcome: closing issues
one to each participant who attended and passed, reopening revokes them (both reported by the
delivery actions, in their transaction); a national administrator may also revoke one, with a
reason. Every change is audited."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import record_many, required_reason, save_audited, snapshot
from matrica.credentials import notifications
from matrica.credentials.key_actions import ensure_issuer_key
from matrica.credentials.models import Certificate, new_code
from matrica.delivery.models import TrainingSession
from matrica.evaluation import selectors as evaluation
from matrica.tenancy.changes import Change
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.scoping import ensure_visible

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

from matrica.credentials.models import STATUS_LIST_BLOCK


def follow_sessions(change: Change) -> None:
    """Listener of `tenancy.changes`: bring the certificates of each closed or reopened session
    in line with its state."""
    for session in TrainingSession.objects.filter(pk__in=change.sessions).select_related("module"):
        if session.state == TrainingSession.State.CLOSED:
            issue_certificates(session, actor=change.actor)
        else:
            revoke_session_certificates(session, _("The session was reopened."), actor=change.actor)


def _free_indexes(beneficiary_id: int, count: int) -> list[int]:
    used = set(
        Certificate.objects.filter(beneficiary_id=beneficiary_id).values_list(
            "status_index", flat=True
        )
    )
    return free_indexes(used, count, random.SystemRandom())


def free_indexes(used: set[int], count: int, draw: random.Random) -> list[int]:
    """`count` status list indexes not in `used`, drawn at random, so that an index says nothing
    of when its credential was issued or of its neighbours. The list is kept at most a quarter
    full: it grows by whole blocks of the Bitstring Status List's minimum length as needed."""
    blocks = max(1, -(-4 * (len(used) + count) // STATUS_LIST_BLOCK))
    space = blocks * STATUS_LIST_BLOCK
    chosen: set[int] = set()
    while len(chosen) < count:
        index = draw.randrange(space)
        if index not in used:
            chosen.add(index)
    return sorted(chosen)


def issue_certificates(
    session: TrainingSession, *, actor: Actor | None = None
) -> list[Certificate]:
    """A certificate for each participant of a closed session who passed and holds none."""
    scores = evaluation.passed(session)
    holders = set(
        Certificate.objects.filter(enrolment_id__in=scores, revoked_at__isnull=True).values_list(
            "enrolment_id", flat=True
        )
    )
    enrolments = (
        session.enrolments.filter(pk__in=set(scores) - holders)
        .select_related("staff_member")
        .order_by("pk")
    )
    module = session.module
    valid_until = session.ends_on + relativedelta(months=module.validity_months)
    rows = [
        Certificate(
            code=new_code(),
            enrolment=enrolment,
            staff_member=enrolment.staff_member,
            beneficiary_id=session.beneficiary_id,
            module=module,
            session=session,
            completed_on=session.ends_on,
            valid_until=valid_until,
            language=enrolment.staff_member.preferred_language or settings.LANGUAGE_CODE,
            score=scores[enrolment.pk],
            status_index=index,
        )
        for enrolment, index in zip(
            enrolments, _free_indexes(session.beneficiary_id, len(enrolments)), strict=True
        )
    ]
    created = Certificate.objects.bulk_create(rows)
    if created:
        # The key that signs their badges, made now rather than on a verifier's first visit.
        ensure_issuer_key(beneficiary=session.beneficiary)
        notifications.announce(certificate.pk for certificate in created)
    record_many(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        changes=[(certificate, None, snapshot(certificate)) for certificate in created],
        message=_("Issued on closing the session %(session)s.") % {"session": session},
    )
    return created


def revoke_session_certificates(
    session: TrainingSession, reason: str, *, actor: Actor | None = None
) -> int:
    valid = list(Certificate.objects.filter(session=session, revoked_at__isnull=True))
    for certificate in valid:
        _revoke(actor, certificate, reason)
    return len(valid)


def _revoke(actor: Actor | None, certificate: Certificate, reason: str) -> None:
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason
    save_audited(actor=actor, obj=certificate, message=reason)


@transaction.atomic
def revoke_certificate(*, actor: Actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke one certificate (issued in error, say): its verification page and its badge's
    status say "not valid" from now on."""
    require(actor, Verb.REOPEN_SESSION, beneficiary_id=certificate.beneficiary_id)
    ensure_visible(certificate, actor)
    reason = required_reason(reason, _("Say why the certificate is revoked."))
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate is already revoked."))
    _revoke(actor, certificate, reason)
    return certificate
