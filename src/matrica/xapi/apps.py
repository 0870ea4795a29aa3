from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    name = "matrica.xapi"
    verbose_name = _("E-learning (xAPI)")
