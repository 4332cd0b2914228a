from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "jiuzhu.policy"
    label = "policy"
    verbose_name = _("救助政策")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jiuzhu.core.navigation import POLICY, register_nav
        from jiuzhu.policy.permissions import POLICY_VIEW

        register_nav(
            _("政策计算器"), "policy:calculator", capability=POLICY_VIEW, order=30, group=POLICY
        )
        register_nav(_("政策找人"), "policy:runs", capability=POLICY_VIEW, order=31, group=POLICY)
        register_nav(
            _("政策模拟"), "policy:simulation", capability=POLICY_VIEW, order=32, group=POLICY
        )
        register_nav(
            _("政策参数"), "policy:parameters", capability=POLICY_VIEW, order=33, group=POLICY
        )
        from jiuzhu.policy.permissions import POLICY_CONFIGURE

        # the programme editor, maker-checker (issue 19)
        register_nav(
            _("救助项目定义"),
            "policy:programmes",
            capability=POLICY_CONFIGURE,
            order=34,
            group=POLICY,
        )

        from jiuzhu.core.schedule import Job, daily, job_register

        job_register(
            Job(
                "policy_nightly",
                _("每晚政策找人"),
                daily(2, 15),
                "jiuzhu.policy.tasks.policy_run_task",
            ),
            order=20,
        )

        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.policy.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)

        # owner departments of the programme register that are not data sources (issue 19)
        from jiuzhu.core.labels import DEPARTMENT, is_registered
        from jiuzhu.policy.register import DEPARTMENT_LABELS

        labels_register(
            DEPARTMENT,
            {k: v for k, v in DEPARTMENT_LABELS.items() if not is_registered(DEPARTMENT, k)},
        )

        # the verify rules read the 低保标准 per area through this (verify is below policy)
        from jiuzhu.policy.selectors import parameter_for_areas
        from jiuzhu.verify.policy_hooks import PARAMETERS

        PARAMETERS["for_areas"] = parameter_for_areas
