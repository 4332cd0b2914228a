from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    verbose_name = _("救助申请与审批")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.cases import checks
        from jiuzhu.core.navigation import CASES, SYSTEM, register_nav

        checks.register()  # verify's 核对 asks cases for the household's 核对授权书
        register_nav(
            _("待办"), "cases:todo", capability=Capability.CASE_VIEW, order=10, group=CASES
        )
        register_nav(
            _("受理申请"), "cases:intake", capability=Capability.CASE_INTAKE, order=11, group=CASES
        )
        register_nav(
            _("救助名册"), "cases:roll", capability=Capability.CASE_VIEW, order=12, group=CASES
        )
        # 系统管理: approval chains and the working-day calendar, maker-checker (issue 14.4).
        register_nav(
            _("审批流程与工作日"),
            "cases:config",
            capability=Capability.CASE_CONFIGURE,
            order=91,
            group=SYSTEM,
        )

        from jiuzhu.cases.labels import AUDIT_ACTIONS
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)

        from jiuzhu.core.schedule import Job, daily, job_register

        job_register(
            Job(
                "pending_sweep",
                _("每日清理暂存上传文件"),
                daily(4, 20),
                "jiuzhu.cases.pending.pending_sweep_task",
            ),
            order=75,
        )
