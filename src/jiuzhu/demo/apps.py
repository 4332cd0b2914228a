from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and synthetic data: generators, demo loaders and their commands (``jiuzhu demo``,
    ``jiuzhu synth``, ``jiuzhu synth_feeds``, ``jiuzhu cases_demo``). No production app imports it."""

    name = "jiuzhu.demo"
    verbose_name = "演示与合成数据"

    def ready(self) -> None:
        from jiuzhu.accounts.security import demo_usernames_register
        from jiuzhu.demo.accounts import DEMO_ACCOUNTS

        demo_usernames_register(row[0] for row in DEMO_ACCOUNTS)

        # the synthetic helpers the production commands offer (`jiuzhu funds accounts-synth`,
        # `jiuzhu funds demo-return`, `jiuzhu funds demo`, `jiuzhu monitor demo-death-file`)
        from jiuzhu.demo.funds import funds_demo
        from jiuzhu.demo.funds_synthetic import accounts_synth, return_file_for
        from jiuzhu.demo.monitoring import death_file
        from jiuzhu.funds.synthetic_hooks import SYNTHETIC as FUNDS_SYNTHETIC
        from jiuzhu.monitoring.synthetic_hooks import SYNTHETIC as MONITORING_SYNTHETIC

        FUNDS_SYNTHETIC.update(
            accounts_synth=accounts_synth, return_file_for=return_file_for, funds_demo=funds_demo
        )
        MONITORING_SYNTHETIC["death_file"] = death_file
