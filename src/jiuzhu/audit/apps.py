from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jiuzhu.audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jiuzhu.core.navigation import SYSTEM, register_nav

        # the capability is a plain string: audit sits beside accounts, not above it
        register_nav(
            _("操作日志"), "audit:event_list", capability="audit.view", order=97, group=SYSTEM
        )

        from jiuzhu.core.schedule import Job, daily, hourly, job_register

        job_register(
            Job(
                "audit_daily",
                _("每日审计链校验"),
                daily(4, 0),
                "jiuzhu.audit.tasks.audit_verify_task",
            ),
            order=60,
        )
        job_register(
            Job(
                "audit_anchor_hourly",
                _("每小时审计链锚定"),
                hourly(5),
                "jiuzhu.audit.tasks.audit_anchor_task",
            ),
            order=76,
        )

        # the read log (audit.services.audit_read_log) is chained after responses, a few
        # seconds apart, by whichever web process answers
        from django.core.signals import request_finished

        from jiuzhu.audit.services import chain_after_response

        request_finished.connect(chain_after_response, dispatch_uid="audit.read_log.chain")

        from jiuzhu.audit.labels import AUDIT_ACTIONS
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)

        from jiuzhu.audit.selectors import _audit_list_spec
        from jiuzhu.core.pagination import list_register

        list_register(_audit_list_spec())
        register_nav(_("我的导出"), "audit:export_list", capability="registry.view", order=98)

        # the audit log is a hash chain re-keyed by ``jiuzhu audit rekey`` (last: the event
        # recording the rekey goes into it)
        from jiuzhu.audit.rekey import audit_head
        from jiuzhu.audit.services import audit_rechain, audit_verify
        from jiuzhu.core.hashchain import chain_register

        chain_register(
            "audit",
            verify=audit_verify,
            rechain=audit_rechain,
            head=audit_head,
            count_key="audit_events",
            order=0,
        )
