from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from matrica.tenancy.permissions import Verb, holds, may_read_audit
from matrica.tenancy.roles import DASHBOARD_ROLES, Role


def role(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "user_role": Role(user.role).label if user.role else "",
        "user_reads_audit": may_read_audit(user),
        "user_sees_people": user.is_superuser or user.role != Role.COORDINATOR,
        "user_sees_dashboards": user.is_superuser or user.role in DASHBOARD_ROLES,
        "user_teams_url": _teams_url(user),
        "user_plans_needs": user.is_superuser
        or user.role == Role.COORDINATOR
        or any(holds(user, verb) for verb in NEEDS_VERBS),
    }


# Who finds "Needs and strengths" in the main menu (needs/views_index.py says which of its
# pages each role sees).
NEEDS_VERBS = (Verb.MANAGE_CURRICULUM, Verb.RUN_SURVEYS, Verb.PLAN_TRAINING)


def _teams_url(user: Any) -> str:
    """Where the main menu's "Teams" leads: the regional counts for the coordinator, the team
    registry for those who keep teams, nowhere for others."""
    if user.role == Role.COORDINATOR:
        return reverse("teams:regional")
    if user.is_superuser or user.role in DASHBOARD_ROLES:
        return reverse("teams:list")
    return ""
