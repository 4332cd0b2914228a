from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerifyConfig(AppConfig):
    name = "jiuzhu.verify"
    verbose_name = _("家庭经济状况核对")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import register_nav
        from jiuzhu.core.pagination import list_register
        from jiuzhu.verify.selectors import _list_specs

        for spec in _list_specs():
            list_register(spec)
        from jiuzhu.core.navigation import VERIFY

        register_nav(
            _("部门数据上传"),
            "verify:feed_upload",
            capability=Capability.FEED_UPLOAD,
            order=44,
            group=VERIFY,
        )
        register_nav(
            _("核对"), "verify:home", capability=Capability.REGISTRY_VIEW, order=40, group=VERIFY
        )
        register_nav(
            _("疑似重复人员"),
            "verify:duplicates",
            capability=Capability.REGISTRY_VIEW,
            order=41,
            group=VERIFY,
        )
        register_nav(
            _("匹配质量"),
            "verify:quality",
            capability=Capability.REGISTRY_VIEW,
            order=42,
            group=VERIFY,
        )

        from types import MappingProxyType

        from jiuzhu.core.schedule import Job, daily, job_register, monthly, weekly

        job_register(
            Job(
                "verify_monthly",
                _("每月全量核对"),
                monthly(1, 1, 30),
                "jiuzhu.verify.tasks.batch_check_task",
                MappingProxyType({"reason": "每月定期核对（全量）"}),
            ),
            order=10,
        )
        job_register(
            Job(
                "verify_nightly",
                _("每晚增量核对"),
                daily(2, 25),
                "jiuzhu.verify.tasks.batch_check_task",
                MappingProxyType({"reason": "每晚增量核对", "incremental": True}),
            ),
            order=30,
        )
        job_register(
            Job(
                "duplicates_weekly",
                _("每周疑似重复人员检测"),
                weekly(5, 23, 30),
                "jiuzhu.verify.tasks.duplicates_detect_task",
            ),
            order=40,
        )

        from jiuzhu.core.importers import Importer, importer_register
        from jiuzhu.verify.management.feed_command import configure, run

        importer_register(
            Importer("feed", "a department data feed (see docs/data-formats.md)", configure, run)
        )

        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.verify.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)

        from django.utils.translation import gettext_lazy

        from jiuzhu.core.labels import DEPARTMENT, VEHICLE_KIND
        from jiuzhu.verify.feeds import DEPARTMENT_LABELS, VEHICLE_KIND_LABELS

        # The texts are marked (gettext_noop) where they are defined; translated when read.
        labels_register(DEPARTMENT, {k: gettext_lazy(v) for k, v in DEPARTMENT_LABELS.items()})
        labels_register(VEHICLE_KIND, {k: gettext_lazy(v) for k, v in VEHICLE_KIND_LABELS.items()})

        from jiuzhu.core.home import home_register
        from jiuzhu.verify.home import home_cards as verify_home_cards

        home_register(verify_home_cards, order=5)

        from django.utils import translation
        from django.utils.translation import gettext_noop

        from jiuzhu.dicts.kinds import DictKind, dict_kind_register

        with translation.override(None):
            departments = tuple((k, str(v)) for k, v in DEPARTMENT_LABELS.items())
        dict_kind_register(
            DictKind(
                "department",
                gettext_noop("数据部门"),
                departments,
                fixed_codes=True,
                help=gettext_noop("提供核对数据的部门（每个部门有自己的数据格式）"),
            )
        )
