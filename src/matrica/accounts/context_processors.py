from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from matrica.tenancy.permissions import may_read_audit
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
    }


def _teams_url(user: Any) -> str:
    """Where the main menu's "Teams" leads: the regional counts for the coordinator, the team
    registry for those who keep teams, nowhere for others."""
    if user.role == Role.COORDINATOR:
        return reverse("teams:regional")
    if user.is_superuser or user.role in DASHBOARD_ROLES:
        return reverse("teams:list")
    return ""
