from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    verbose_name = "救助申请与审批"

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import register_nav

        register_nav("待办", "cases:todo", capability=Capability.CASE_VIEW, order=10)
        register_nav("受理申请", "cases:intake", capability=Capability.CASE_INTAKE, order=11)
        register_nav("救助名册", "cases:roll", capability=Capability.CASE_VIEW, order=12)
