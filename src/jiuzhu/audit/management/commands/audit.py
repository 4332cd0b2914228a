from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "Audit log tools. `jiuzhu audit verify` recomputes the hash chain. `jiuzhu audit rekey "
        "--reason TEXT [--new-key-file PATH]` re-keys the audit and ledger chains under a new "
        "HMAC key (both verified under the old key first; audited; anchored; stop the web "
        "server and the worker first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "rekey"])
        parser.add_argument("--reason", default="", help="why the key is changed (audited)")
        parser.add_argument(
            "--new-key-file",
            default="",
            help="a file holding the new key (at least 32 characters); default: a random key",
        )

    def handle(self, *args, action, reason, new_key_file, **options):
        if action == "rekey":
            from jiuzhu.audit.rekey import RekeyRefused, chains_rekey

            new_key = Path(new_key_file).read_bytes().strip() if new_key_file else None
            try:
                result = chains_rekey(reason=reason, new_key=new_key)
            except RekeyRefused as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(self.style.SUCCESS(result.message))
            if result.retired_key:
                self.stdout.write(
                    f"旧密钥保存在 {result.retired_key}（旧导出的存档需要它；不再需要时销毁）"
                )
            self.stdout.write("请备份新密钥文件，并把新锚定文件复制到服务器以外。")
            return
        result = audit_verify(anchor=True)
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
