from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    verbose_name = _("救助申请与审批")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.cases import checks
        from jiuzhu.core.navigation import register_nav

        checks.register()  # verify's 核对 asks cases for the household's 核对授权书
        from jiuzhu.cases import papers_link

        papers_link.register()  # 智能审核: declarations down to papers, PaperRead flags up
        from jiuzhu.cases import subscribers

        subscribers.subscribe()
        register_nav(_("待办"), "cases:todo", capability=Capability.CASE_VIEW, order=10)
        register_nav(_("受理申请"), "cases:intake", capability=Capability.CASE_INTAKE, order=11)
        register_nav(_("救助名册"), "cases:roll", capability=Capability.CASE_VIEW, order=12)
        register_nav(_("申请查询"), "cases:applications", capability=Capability.CASE_VIEW, order=13)

        from jiuzhu.cases.selectors import _list_specs
        from jiuzhu.core.pagination import list_register

        for spec in _list_specs():
            list_register(spec)
        # 系统管理: approval chains and the working-day calendar, maker-checker (issue 14.4).
        register_nav(
            _("审批流程与工作日"), "cases:config", capability=Capability.CASE_CONFIGURE, order=91
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
