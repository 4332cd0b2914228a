from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "jiuzhu.portal"
    label = "portal"
    verbose_name = _("群众端（掌上办）")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import CASES, register_nav
        from jiuzhu.portal import notify

        notify.connect()

        from jiuzhu.portal import subscribers

        subscribers.connect()

        # The list shows only what is routed to the user's office (empty for others).
        register_nav(
            _("举报投诉"),
            "portal:staff_reports",
            capability=Capability.CASE_VIEW,
            order=15,
            group=CASES,
        )
        register_nav(
            _("代办授权"),
            "portal:staff_proxy",
            capability=Capability.CASE_INTAKE,
            order=16,
            group=CASES,
        )
        register_nav(
            _("一码通办海报"),
            "portal:staff_posters",
            capability=Capability.CASE_VIEW,
            order=17,
            group=CASES,
        )

        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.portal.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)

        from jiuzhu.core.schedule import Job, daily, job_register

        job_register(
            Job(
                "reports_escalate",
                _("每晚举报投诉逾期升级"),
                daily(3, 45),
                "jiuzhu.portal.tasks.reports_escalate_task",
            ),
            order=95,
        )
