"""The roles a Matrica user can hold, and how far each one sees."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Regional coordinator")
    NATIONAL_ADMIN = "national_admin", _("National administrator")
    TRAINING_MANAGER = "training_manager", _("Training manager")
    INSTITUTION_MANAGER = "institution_manager", _("Institution manager")
    TRAINER = "trainer", _("Trainer")
    STAFF = "staff", _("Staff member")


class Reach(models.TextChoices):
    """How much personal and national data a role reaches."""

    REGION = "region", _("The region, as aggregates only")
    ADMINISTRATION = "administration", _("One administration")
    INSTITUTION = "institution", _("One institution")
    SELF = "self", _("One's own record")


ROLE_REACH: dict[str, Reach] = {
    Role.COORDINATOR: Reach.REGION,
    Role.NATIONAL_ADMIN: Reach.ADMINISTRATION,
    Role.TRAINING_MANAGER: Reach.ADMINISTRATION,
    Role.INSTITUTION_MANAGER: Reach.INSTITUTION,
    Role.TRAINER: Reach.SELF,
    Role.STAFF: Reach.SELF,
}

# Roles that see compliance dashboards (figures about others).
DASHBOARD_ROLES = frozenset(
    {Role.COORDINATOR, Role.NATIONAL_ADMIN, Role.TRAINING_MANAGER, Role.INSTITUTION_MANAGER}
)
