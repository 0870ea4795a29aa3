from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "matrica.credentials"
    verbose_name = _("Certificates and badges")

    def ready(self) -> None:
        from matrica.credentials.actions import follow_sessions
        from matrica.tenancy import changes

        # A session's certificates follow its closing and reopening, in the same transaction.
        changes.listen(follow_sessions)
