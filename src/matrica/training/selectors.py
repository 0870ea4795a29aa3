from __future__ import annotations

from django.db.models import QuerySet

from matrica.staff.models import StaffMember
from matrica.training.models import Completion


def evidence_of(staff_member: StaffMember) -> QuerySet[Completion]:
    """A person's completions, newest first. The caller has already fetched the person
    through their own scope."""
    return Completion.objects.filter(staff_member=staff_member).select_related(
        "area", "level", "module"
    )
