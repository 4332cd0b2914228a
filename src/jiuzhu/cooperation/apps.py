from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    """Working with other departments and society (issue 19): outbound data sharing."""

    name = "jiuzhu.cooperation"
    label = "cooperation"
    verbose_name = _("部门协同")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jiuzhu.cooperation.labels import AUDIT_ACTIONS
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)
