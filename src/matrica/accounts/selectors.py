from __future__ import annotations

from typing import Any

from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution


def home_figures(user: Any) -> dict[str, Any]:
    """What a user's home page counts: only rows the user may see."""
    return {
        "administrations": Beneficiary.objects.visible_to(user).count(),
        "institutions": Institution.objects.visible_to(user).count(),
        "staff": StaffMember.objects.visible_to(user).filter(active=True).count(),
        "beneficiary": user.beneficiary,
        "institution": user.institution,
        "staff_member": user.staff_member,
    }
