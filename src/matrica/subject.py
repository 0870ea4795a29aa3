"""Everything held on one person, for their right of access (GDPR Art. 15, Convention 108+
Art. 9(1)(b)): the staff record, roles, evidence, today's statuses, their account (never its
password), the expiry notices sent about them and every audit event that references them or
their records. Composed from every app, so it lives above them, like the training record; its
URLs stay among the staff pages (`staff:subject_json`, `staff:subject_pdf`). See
docs/privacy.md."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache

from matrica.audit.models import AuditEvent
from matrica.audit.services import record, snapshot
from matrica.compliance.models import ExpiryNotice
from matrica.compliance.selectors import person_statuses
from matrica.evaluation.models import FeedbackReceipt, FollowUpInvitation, TestResult
from matrica.exports import file_download
from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.http import AuthenticatedHttpRequest
from matrica.staff.actions import audit_trail_of
from matrica.staff.models import StaffMember
from matrica.staff.selectors import staff_visible_to
from matrica.tenancy.permissions import Verb, require
from matrica.training.selectors import evidence_of

# The account fields a person is shown: who they are and how they sign in, never a secret.
ACCOUNT_FIELDS = (
    "id", "username", "first_name", "last_name", "email", "role", "beneficiary_id",
    "institution_id", "is_active", "is_staff", "is_superuser", "last_login", "date_joined",
)  # fmt: skip


def subject_data(member: StaffMember) -> dict[str, Any]:
    """The person's data as plain values (ids for references), each kind under its own key.
    The caller has fetched the person through their own scope and checked the permission."""
    today = timezone.localdate()
    account = get_user_model()._default_manager.filter(staff_member=member).first()
    events = audit_trail_of(member).order_by("timestamp", "pk")
    return {
        "generated_at": timezone.now(),
        "staff_member": {
            **snapshot(member),
            "beneficiary": member.beneficiary.code,
            "institution": member.institution.name,
            "primary_category": member.primary_category.code,
            "active": member.active,
            "leaving_date": member.leaving_date,
        },
        "roles": [
            {**snapshot(role), "category": role.category.code}
            for role in member.roles.select_related("category")
        ],
        "evidence": [
            {
                **snapshot(completion),
                "area": completion.area.code,
                "level": completion.level.code,
                "module": completion.module.code if completion.module else None,
                "recorded_at": completion.recorded_at,
            }
            for completion in evidence_of(member)
        ],
        "training_sessions": [
            {
                "session_id": enrolment.session_id,
                "module": enrolment.session.module.code,
                "first_day": enrolment.session.starts_on,
                "last_day": enrolment.session.ends_on,
                "state": enrolment.state,
                "nominated_at": enrolment.nominated_at,
                "nominated_by": enrolment.nominated_by,
                "days_present": [a.day.date for a in enrolment.attendance.all() if a.present],
                "days_absent": [a.day.date for a in enrolment.attendance.all() if not a.present],
            }
            for enrolment in member.enrolments.select_related("session__module")
            .prefetch_related("attendance__day")
            .order_by("session__starts_on", "pk")
        ],
        "sessions_delivered": list(
            member.sessions_delivered.order_by("starts_on", "pk").values(
                "id", "module__code", "starts_on", "ends_on", "state"
            )
        ),
        "trainer_authorisations": [
            {**snapshot(authorisation), "module": authorisation.module.code}
            for authorisation in member.trainer_authorisations.select_related("module")
        ],
        "test_results": list(
            TestResult.objects.filter(enrolment__staff_member=member)
            .order_by("enrolment__session__starts_on", "phase", "pk")
            .values("enrolment__session_id", "phase", "score", "method", "recorded_at")
        ),
        # That feedback was given, never what it said: the answers are anonymous by design.
        "feedback_given_in_sessions": list(
            FeedbackReceipt.objects.filter(enrolment__staff_member=member)
            .order_by("enrolment__session_id")
            .values_list("enrolment__session_id", flat=True)
        ),
        "follow_up_invitations": list(
            FollowUpInvitation.objects.filter(enrolment__staff_member=member)
            .order_by("sent_on", "pk")
            .values("session_id", "respondent", "sent_on", "answered")
        ),
        "certificates": [
            {
                **snapshot(certificate),
                "code": certificate.code,
                "module": certificate.module.code,
                "issued_at": certificate.issued_at,
            }
            for certificate in member.certificates.select_related("module").order_by("pk")
        ],
        "statuses": {"on": today, "requirements": person_statuses(member, today)},
        "account": ({name: getattr(account, name) for name in ACCOUNT_FIELDS} if account else None),
        "expiry_notices": list(
            ExpiryNotice.objects.filter(staff_member=member)
            .order_by("sent_at", "pk")
            .values("id", "area_id", "valid_until", "sent_at", "recipients")
        ),
        "audit_events": [
            {
                "id": event.pk,
                "timestamp": event.timestamp,
                "user": event.user_name,
                "address": event.remote_addr,
                "action": event.action,
                "record_type": f"{event.object_type.app_label}.{event.object_type.model}",
                "record_id": event.object_id,
                "record": event.object_repr,
                "before": event.before,
                "after": event.after,
                "message": event.message,
            }
            for event in events.select_related("object_type")
        ],
    }


def _subject(request: AuthenticatedHttpRequest, pk: int) -> StaffMember:
    """The person, if the user may see them (404 otherwise) and manage their administration's
    staff (403 otherwise)."""
    member = get_object_or_404(
        staff_visible_to(request.user).select_related(
            "beneficiary", "institution", "primary_category"
        ),
        pk=pk,
    )
    require(request.user, Verb.MANAGE_STAFF, beneficiary_id=member.beneficiary_id)
    # Who took a copy of everything held on a person is itself on the trail.
    record(
        actor=request.user, action=AuditEvent.Action.EXPORT, obj=member,
        message="Everything held on the person exported",
    )  # fmt: skip
    return member


@never_cache
@login_required
def subject_json(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = _subject(request, pk)
    content = json.dumps(subject_data(member), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return file_download(
        content.encode(), "application/json; charset=utf-8", f"staff-member-{member.pk}.json"
    )


def render_pdf(member: StaffMember) -> bytes:
    """The export as a readable PDF, labelled in the person's own language."""
    import weasyprint  # loaded on first use: a large import most requests never need

    data = subject_data(member)
    with translation.override(member.preferred_language):
        areas = {area.pk: area for area in CompetencyArea.objects.all()}
        categories = {category.pk: category for category in StaffCategory.objects.all()}
        statuses = [
            {
                **row,
                "area": areas.get(row["area_id"]),
                "category": categories.get(row["category_id"]),
            }
            for row in data["statuses"]["requirements"]
        ]
        html = render_to_string(
            "subject/export.html",
            {
                "member": member,
                "data": data,
                "statuses": statuses,
                "notices": [
                    {**notice, "area": areas.get(notice["area_id"])}
                    for notice in data["expiry_notices"]
                ],
                "language": member.preferred_language,
            },
        )
    return bytes(weasyprint.HTML(string=html).write_pdf())


@never_cache
@login_required
def subject_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = _subject(request, pk)
    return file_download(render_pdf(member), "application/pdf", f"staff-member-{member.pk}.pdf")


# Joined to the staff pages' namespace by the project's URLconf.
urlpatterns = [
    path("<int:pk>/subject.json", subject_json, name="subject_json"),
    path("<int:pk>/subject.pdf", subject_pdf, name="subject_pdf"),
]
