from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "matrica.compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from django.core.signals import request_finished

        from matrica.compliance.services import apply_change, drop_adhoc_tables
        from matrica.tenancy import changes

        # Derived figures follow every change an action reports, in the action's transaction.
        changes.listen(apply_change)
        # Housekeeping of per-request temporary tables, not business logic.
        request_finished.connect(drop_adhoc_tables, dispatch_uid="matrica_drop_adhoc_tables")
