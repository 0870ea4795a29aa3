from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "matrica.tenancy"
    verbose_name = _("Administrations and institutions")
