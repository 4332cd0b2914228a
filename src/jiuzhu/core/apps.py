from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jiuzhu.core"
    verbose_name = _("公共")

    def ready(self) -> None:
        from jiuzhu.core.labels import PROGRAMME, labels_register
        from jiuzhu.core.programmes import PROGRAMME_LABELS, WATCH_LABELS

        labels_register(PROGRAMME, {**PROGRAMME_LABELS, **WATCH_LABELS})
