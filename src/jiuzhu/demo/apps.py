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
