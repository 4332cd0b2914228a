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
        register_nav(_("待办"), "cases:todo", capability=Capability.CASE_VIEW, order=10)
        register_nav(_("受理申请"), "cases:intake", capability=Capability.CASE_INTAKE, order=11)
        register_nav(_("救助名册"), "cases:roll", capability=Capability.CASE_VIEW, order=12)
        # 系统管理: approval chains and the working-day calendar, maker-checker (issue 14.4).
        register_nav(
            _("审批流程与工作日"), "cases:config", capability=Capability.CASE_CONFIGURE, order=91
        )

        # 转办: a 部门经办 sees the tracks referred to their department (issue 19).
        register_nav(_("转办事项"), "cases:tracks", capability=Capability.TRACK_HANDLE, order=13)
        from jiuzhu.cases import subscribers
        from jiuzhu.cases.selectors import household_tracks_section
        from jiuzhu.core.profile_sections import register_profile_section

        subscribers.subscribe()
        register_profile_section("cases/_household_tracks.html", household_tracks_section, order=40)

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
