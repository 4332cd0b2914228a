from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "jiuzhu.funds"
    verbose_name = _("资金发放")

    def ready(self) -> None:
        from jiuzhu.accounts.roles import Capability
        from jiuzhu.core.navigation import register_nav
        from jiuzhu.core.pagination import list_register
        from jiuzhu.funds.selectors import _list_specs

        for spec in _list_specs():
            list_register(spec)
        from jiuzhu.core.navigation import FUNDS

        register_nav(
            _("资金发放"),
            "funds:payroll_list",
            capability=Capability.FUNDS_VIEW,
            order=70,
            group=FUNDS,
        )
        register_nav(
            _("预算执行"), "funds:budget", capability=Capability.FUNDS_VIEW, order=72, group=FUNDS
        )
        register_nav(
            _("暂停发放"), "funds:holds", capability=Capability.FUNDS_VIEW, order=73, group=FUNDS
        )
        register_nav(
            _("追缴"), "funds:recoveries", capability=Capability.FUNDS_VIEW, order=74, group=FUNDS
        )
        register_nav(
            _("账户变更"),
            "funds:account_changes",
            capability=Capability.PAYROLL_PREPARE,
            order=75,
            group=FUNDS,
        )

        from jiuzhu.core.profile_sections import register_profile_section
        from jiuzhu.funds.selectors import household_section

        register_profile_section("funds/_household_payments.html", household_section, order=60)

        from jiuzhu.core.schedule import Job, daily, hourly, job_register

        job_register(
            Job(
                "ledger_daily",
                _("每日资金台账校验"),
                daily(4, 10),
                "jiuzhu.funds.tasks.ledger_verify_task",
            ),
            order=70,
        )
        job_register(
            Job(
                "ledger_anchor_hourly",
                _("每小时资金台账锚定"),
                hourly(7),
                "jiuzhu.funds.tasks.ledger_anchor_task",
            ),
            order=77,
        )

        from jiuzhu.core.labels import AUDIT_ACTION, labels_register
        from jiuzhu.funds.labels import AUDIT_ACTIONS

        labels_register(AUDIT_ACTION, AUDIT_ACTIONS)

        # the ledger is a hash chain re-keyed by ``jiuzhu audit rekey``
        from jiuzhu.core.hashchain import chain_register
        from jiuzhu.funds.ledger import ledger_head, ledger_rechain, ledger_verify

        chain_register(
            "ledger",
            verify=ledger_verify,
            rechain=ledger_rechain,
            head=ledger_head,
            count_key="ledger_entries",
            order=10,
        )

        from jiuzhu.funds import subscribers

        subscribers.subscribe()

        from jiuzhu.core.home import home_register
        from jiuzhu.funds.home import home_cards as funds_home_cards

        home_register(funds_home_cards, order=60)

        from django.utils import translation
        from django.utils.translation import gettext_noop

        from jiuzhu.dicts.kinds import DictKind, dict_kind_register
        from jiuzhu.funds.models import BankFormat

        with translation.override(None):
            formats = tuple((k.value, str(k.label)) for k in BankFormat)
        dict_kind_register(
            DictKind(
                "bank_format",
                gettext_noop("银行文件格式"),
                formats,
                fixed_codes=True,
                help=gettext_noop("发放给银行的代发文件格式"),
            )
        )
