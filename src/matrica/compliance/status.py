from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Where a person stands against one requirement on one date."""

    CURRENT = "current", _("Current")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    MISSING = "missing", _("Missing")
    OVERDUE = "overdue", _("Overdue")


# Worst first: how a grid orders people and which status a cell shows when several apply.
SEVERITY = [Status.OVERDUE, Status.EXPIRED, Status.MISSING, Status.EXPIRING, Status.CURRENT]
SEVERITY_SQL = (
    "CASE status "
    + " ".join(f"WHEN '{status}' THEN {rank}" for rank, status in enumerate(SEVERITY))
    + " END"
)
