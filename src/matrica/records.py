"""A person's training record: who they are (staff), the evidence they hold (training), where
they stand against each requirement (compliance), the sessions they were put forward for
(delivery), their certificates (credentials) and resources for their gaps (library). Composed
from all six, so it lives above them, like the home page; its URL stays among the staff pages
(`staff:record`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from matrica.compliance.selectors import person_entries
from matrica.credentials.models import Certificate
from matrica.delivery.models import Enrolment
from matrica.http import AuthenticatedHttpRequest
from matrica.library.selectors import for_gaps
from matrica.pages import as_of
from matrica.staff.selectors import categories_held, staff_visible_to
from matrica.tenancy.permissions import Verb, may
from matrica.training.selectors import evidence_of

SESSIONS_SHOWN = 20
RESOURCES_SHOWN = 5
CERTIFICATES_SHOWN = 20


@login_required
def staff_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The record as of a date (?on=), its requirements and dates as the compliance engine
    answers them, and the changes the user may make."""
    user = request.user
    member = get_object_or_404(
        staff_visible_to(user).select_related(
            "institution__service", "primary_category", "beneficiary"
        ),
        pk=pk,
    )
    on = as_of(request)
    context = {
        "member": member,
        "on": on,
        "categories": categories_held(member, on),
        "roles": member.roles.select_related("category"),
        "entries": person_entries(member, on),
        "evidence": evidence_of(member),
        # The sessions the person was put forward for, latest first, as far as the user may see.
        "enrolments": Enrolment.objects.visible_to(user)
        .filter(staff_member=member)
        .select_related("session__module")
        .order_by("-session__starts_on", "-pk")[:SESSIONS_SHOWN],
        # The person's certificates (valid and revoked), latest first, as far as the user may see.
        "certificates": Certificate.objects.visible_to(user)
        .filter(staff_member=member)
        .select_related("module")
        .order_by("-completed_on", "-pk")[:CERTIFICATES_SHOWN],
        "today": timezone.localdate(),
        # The library's resources for the areas where the person's training is not current.
        "resources": list(for_gaps(user, member).order_by("title", "pk")[:RESOURCES_SHOWN]),
        "may_manage": may(user, Verb.MANAGE_STAFF, beneficiary_id=member.beneficiary_id),
        "may_record": may(user, Verb.RECORD_EVIDENCE, beneficiary_id=member.beneficiary_id),
    }
    return render(request, "staff/staff_record.html", context)


# Joined to the staff pages' namespace by the project's URLconf.
urlpatterns = [path("<int:pk>/", staff_record, name="record")]
