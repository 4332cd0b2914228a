"""Console account tools for the operator of the server (audited as 系统):

- ``jiuzhu accounts grant USER ROLE AREA [--department D]``: the bootstrap path — grant a role
  at once (e.g. the first two 系统管理员). In the application every grant needs a second
  administrator's approval; only someone with shell access to the server can do this.
- ``jiuzhu accounts reset-password USER``: reset a password (asks for it; the user must change
  it at next sign-in).
"""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiuzhu.accounts import services
from jiuzhu.accounts.models import User
from jiuzhu.core.errors import ServiceError


class Command(BaseCommand):
    help = "Account tools: grant (bootstrap a role), reset-password."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        g = sub.add_parser("grant")
        g.add_argument("username")
        g.add_argument("role")
        g.add_argument("area")
        g.add_argument("--department", default="")
        r = sub.add_parser("reset-password")
        r.add_argument("username")
        r.add_argument("--reason", default="控制台重置")

    def handle(self, *args, action, **o):
        try:
            user = User.objects.get(username=o["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"用户 {o['username']} 不存在") from exc
        try:
            with transaction.atomic():
                if action == "grant":
                    services.role_assign(
                        actor=None,
                        user=user,
                        role=o["role"],
                        area_code=o["area"],
                        department=o["department"],
                    )
                    self.stdout.write(f"已授予 {user.username} 角色 {o['role']}（{o['area']}）")
                else:
                    password = getpass.getpass("新的初始密码: ")
                    services.password_reset(
                        actor=None, user_id=user.pk, new_password=password, reason=o["reason"]
                    )
                    self.stdout.write(f"已重置 {user.username} 的密码，下次登录时须修改")
        except ServiceError as exc:
            raise CommandError(exc.text() + " " + str(exc.errors)) from exc
