"""One error shape for services: a Chinese message that names the field and the rule."""

from __future__ import annotations

from django.utils.translation import gettext as _


class ServiceError(Exception):
    """A refused action. ``errors`` maps field name → list of messages ("__all__" for general)."""

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
        code: str = "invalid",
    ):
        self.errors: dict[str, list[str]] = dict(errors or {})
        if message:
            self.errors.setdefault(field or "__all__", []).append(message)
        self.code = code
        super().__init__(self.text())

    def text(self) -> str:
        return "；".join(m for msgs in self.errors.values() for m in msgs)


class ConcurrentEditError(ServiceError):
    def __init__(self, what: str | None = None):
        super().__init__(
            _("%(what)s已被他人修改，请刷新后重试（避免覆盖他人的修改）")
            % {"what": what if what is not None else _("记录")},
            code="concurrent_edit",
        )
