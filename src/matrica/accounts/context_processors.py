from typing import Any

from django.http import HttpRequest

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
    }
