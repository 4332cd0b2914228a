from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerifyConfig(AppConfig):
    name = "jiuzhu.verify"
    verbose_name = _("家庭经济状况核对")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import register_nav

        register_nav(
            _("部门数据上传"), "verify:feed_upload", capability=Capability.FEED_UPLOAD, order=60
        )
        register_nav(_("核对"), "verify:home", capability=Capability.REGISTRY_VIEW, order=40)
