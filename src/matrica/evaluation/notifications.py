"""Asking for a follow-up by email: the participant in their own language, and each institution
manager of the participant's institution (one message per manager listing their people), with a
link to the questionnaire. Mail leaves only once the invitations are committed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from matrica.accounts.models import User
from matrica.delivery.calendar import absolute_url
from matrica.evaluation.models import FollowUpInvitation
from matrica.tenancy.roles import Role

Respondent = FollowUpInvitation.Respondent


def answer_url(invitation: FollowUpInvitation) -> str:
    """The questionnaire's page, as an absolute URL for mail."""
    return absolute_url(reverse("evaluation:follow_up_answer", args=[invitation.pk]))


def manager_language(manager: User) -> str:
    """A manager's language: their own staff record's, else their administration's first
    language, else the site's (the account itself keeps no language)."""
    if manager.staff_member is not None and manager.staff_member.preferred_language:
        return manager.staff_member.preferred_language
    languages = manager.beneficiary.languages if manager.beneficiary else []
    return (languages or [settings.LANGUAGE_CODE])[0]


def _training(invitation: FollowUpInvitation) -> str:
    session = invitation.session
    return (
        f"{session.module.code} {session.module.local_title} "
        f"({session.starts_on:%Y-%m-%d} – {session.ends_on:%Y-%m-%d})"
    )


def _participant_message(invitation: FollowUpInvitation) -> EmailMessage:
    person = invitation.enrolment.staff_member
    with translation.override(person.preferred_language or None):
        subject = _("How do you use your training at work?")
        body = _(
            "Dear %(name)s,\n\n"
            "Some months ago you took part in %(training)s. Please tell us how you use it at "
            "work: three questions on a scale of 1 to 5 and, if you like, a comment. It takes "
            "a minute.\n\n"
            "Your answer is anonymous: it is kept without your name and without the time you "
            "gave it.\n\n"
            "Answer here: %(link)s\n"
        ) % {
            "name": person.full_name,
            "training": _training(invitation),
            "link": answer_url(invitation),
        }
        body += "\n" + _("This message was sent by Matrica; please do not reply to it.") + "\n"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])


def _manager_message(manager: User, invitations: Sequence[FollowUpInvitation]) -> EmailMessage:
    with translation.override(manager_language(manager)):
        lines = "\n".join(
            f"- {invitation.enrolment.staff_member.full_name}: {_training(invitation)}\n"
            f"  {answer_url(invitation)}"
            for invitation in invitations
        )
        subject = _("How does your staff use their training at work?")
        body = _(
            "Dear %(name)s,\n\n"
            "Some months ago these members of your institution's staff took part in training. "
            "Please tell us, for each of them, how the training is used at work: three "
            "questions on a scale of 1 to 5 and, if you like, a comment.\n\n"
            "%(lines)s\n\n"
            "Your answers are anonymous: they are kept without your name and without the time "
            "you gave them.\n"
        ) % {"name": manager.get_full_name() or manager.get_username(), "lines": lines}
        body += "\n" + _("This message was sent by Matrica; please do not reply to it.") + "\n"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [manager.email])


def follow_up_messages(invitation_ids: Sequence[int]) -> list[EmailMessage]:
    """The messages asking for these invitations' answers: one to each participant with an
    email address, one to each active institution manager with an address listing the
    invitations about their institution's people."""
    invitations = list(
        FollowUpInvitation.objects.filter(pk__in=invitation_ids)
        .select_related("enrolment__staff_member", "session__module")
        .order_by("session__ends_on", "session_id", "pk")
    )
    messages = [
        _participant_message(invitation)
        for invitation in invitations
        if invitation.respondent == Respondent.PARTICIPANT
        and invitation.enrolment.staff_member.email
    ]
    about: dict[tuple[int, int | None], list[FollowUpInvitation]] = defaultdict(list)
    for invitation in invitations:
        if invitation.respondent == Respondent.MANAGER:
            person = invitation.enrolment.staff_member
            about[(person.beneficiary_id, person.institution_id)].append(invitation)
    institutions = {institution for _b, institution in about if institution is not None}
    managers = (
        User.objects.filter(
            role=Role.INSTITUTION_MANAGER, is_active=True, institution_id__in=institutions
        )
        .exclude(email="")
        .select_related("staff_member", "beneficiary")
        .order_by("pk")
    )
    for manager in managers:
        theirs = about.get((manager.beneficiary_id or 0, manager.institution_id), [])
        if theirs:
            messages.append(_manager_message(manager, theirs))
    return messages


def announce(invitation_ids: Sequence[int]) -> list[EmailMessage]:
    """Build the messages for these new invitations now and send them once the current
    transaction commits (nothing is sent if it rolls back). Returns the messages."""
    messages = follow_up_messages(invitation_ids)
    if messages:
        transaction.on_commit(lambda: get_connection().send_messages(messages))
    return messages
