from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "jiuzhu.portal"
    label = "portal"
    verbose_name = _("群众端（掌上办）")
    default_auto_field = "django.db.models.BigAutoField"
