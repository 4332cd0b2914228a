from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "jiuzhu.interop"
    label = "interop"
    verbose_name = _("系统对接（接口与数据交换）")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.core.navigation import SYSTEM, register_nav
        from jiuzhu.core.schedule import Job, daily, job_register
        from jiuzhu.interop import subscribers
        from jiuzhu.interop.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)
        from jiuzhu.core.labels import FIELD, FIELD_VALUE
        from jiuzhu.interop.labels import FIELD_LABELS
        from jiuzhu.interop.models import AGREEABLE_FIELDS, Scope

        labels_register(FIELD, FIELD_LABELS)
        values = {f"scopes:{s.value}": s.label for s in Scope}
        values |= {f"fields:{k}": v for k, v in AGREEABLE_FIELDS.items()}
        values |= {f"conditions:{k}": v for k, v in AGREEABLE_FIELDS.items()}
        labels_register(FIELD_VALUE, values)
        register_nav(
            _("接入系统"),
            "interop:accounts",
            capability=Capability.ACCOUNTS_MANAGE,
            order=95,
            group=SYSTEM,
        )
        subscribers.connect()
        job_register(
            Job(
                "interop_deliveries_retry",
                _("每晚重发未送达的接口回调和推送"),
                daily(4, 30),
                "jiuzhu.interop.registry_interface.deliveries_retry_task",
            ),
            order=96,
        )
