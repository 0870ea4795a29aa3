from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "matrica.compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from django.core.signals import request_finished

        from matrica.compliance.services import drop_adhoc_tables

        # Housekeeping of per-request temporary tables, not business logic.
        request_finished.connect(drop_adhoc_tables, dispatch_uid="matrica_drop_adhoc_tables")
