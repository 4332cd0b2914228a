from django.core.management.base import BaseCommand, CommandError

from jiuzhu.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `jiuzhu audit verify` recomputes the hash chain."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        result = audit_verify(anchor=True)
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
