from django.core.management.base import BaseCommand, CommandError

from jiuzhu.funds.ledger import ledger_verify


class Command(BaseCommand):
    help = "资金台账工具。`jiuzhu ledger verify` 重新计算哈希链，发现任何被修改、删除的分录即失败。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        result = ledger_verify(anchor=True)
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
