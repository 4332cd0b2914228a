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
        from jiuzhu.cases import papers_link

        papers_link.register()  # 智能审核: declarations down to papers, PaperRead flags up
        from jiuzhu.cases import subscribers

        subscribers.subscribe()
        register_nav(
            _("申请查询"),
            "cases:applications",
            capability=Capability.CASE_VIEW,
            order=13,
            group=CASES,
        )

        from jiuzhu.cases.selectors import _list_specs
        from jiuzhu.core.pagination import list_register

        for spec in _list_specs():
            list_register(spec)
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

        # 转办: a 部门经办 sees the tracks referred to their department (issue 19).
        register_nav(
            _("转办事项"),
            "cases:tracks",
            capability=Capability.TRACK_HANDLE,
            order=14,
            group=CASES,
        )
        from jiuzhu.cases import subscribers
        from jiuzhu.cases.selectors import household_tracks_section
        from jiuzhu.core.profile_sections import register_profile_section

        subscribers.subscribe()
        register_profile_section("cases/_household_tracks.html", household_tracks_section, order=40)

        from jiuzhu.cases.labels import AUDIT_ACTIONS
        from jiuzhu.core.labels import AUDIT_ACTION, labels_register

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)
        from jiuzhu.cases.labels import CHANNEL_LABELS, FIELD_LABELS
        from jiuzhu.cases.models import SignMethod, State
        from jiuzhu.core.labels import FIELD, FIELD_VALUE

        labels_register(FIELD, FIELD_LABELS)
        values = {f"channel:{k}": v for k, v in CHANNEL_LABELS.items()}
        values |= {f"method:{k.value}": k.label for k in SignMethod}
        for field in ("state", "from_state", "to_state"):
            values |= {f"{field}:{k.value}": k.label for k in State}
        labels_register(FIELD_VALUE, values)

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

        from jiuzhu.cases.home import home_cards as cases_home_cards
        from jiuzhu.core.home import home_register

        home_register(cases_home_cards, order=10)
        from jiuzhu.cases.home import config_cards

        home_register(config_cards, order=92)

        # 字典管理: the material types and the visit checklist read from the dictionaries, the
        # values below being the seed (a site relabels, reorders, switches off or adds items)
        from django.utils import translation
        from django.utils.translation import gettext_noop

        from jiuzhu.cases.models import VISIT_CHECKLIST, MaterialKind
        from jiuzhu.dicts.kinds import DictKind, dict_kind_register

        with translation.override(None):  # the msgids, translated where shown
            materials = tuple((k.value, str(k.label)) for k in MaterialKind)
            checklist = tuple((k, str(label)) for k, label in VISIT_CHECKLIST)
        dict_kind_register(
            DictKind(
                "material_type",
                gettext_noop("材料类型"),
                materials,
                fixed_codes=True,
                help=gettext_noop("受理时上传和补齐的申请材料；停用的类型不再出现在上传菜单中"),
            )
        )
        dict_kind_register(
            DictKind(
                "visit_checklist",
                gettext_noop("入户调查项目"),
                checklist,
                help=gettext_noop("入户调查时逐项勾选的生活状况"),
            )
        )
