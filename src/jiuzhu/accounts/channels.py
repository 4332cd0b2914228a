"""Channel principals: how a service channel without a staff user (the citizen portal) acts in
another app's services — with exactly the rights that one call needs, and no role.

A channel principal is a ``User`` row (so the services can record who acted) with an unusable
password and **no** ``RoleAssignment``: it holds no standing right and cannot sign in. Its rights
exist only on the in-memory object returned by ``channel_principal``, for the one call it is
passed to: the channel's fixed capabilities (``CHANNEL_CAPABILITIES``; for the online channel:
see the household and take in an application or a paper — no visit, review, decision, edit or
money right) in the one village of the citizen's household. ``accounts.scoping`` reads that
grant instead of role assignments; a session or a fresh database read of the same user has
none. No role is created, so no role maker-checker is bypassed.

Audit: events recorded by the services name the principal *and the person it acts for*
(``actor_name`` e.g. ``portal-online（群众#12）``), so the case's audit trail says that citizen
12 submitted it through the online channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiuzhu.accounts.models import User
from jiuzhu.accounts.roles import Capability

CHANNEL_CAPABILITIES: dict[str, frozenset[str]] = {
    # 网上申请: the cases services' intake (application_create, intake_submit, material_upload of
    # an application's papers) checks registry.view on the household and case.intake there.
    "online": frozenset({Capability.REGISTRY_VIEW, Capability.CASE_INTAKE}),
}


@dataclass(frozen=True)
class ChannelGrant:
    channel: str
    area_code: str
    capabilities: frozenset[str]
    on_behalf_of: str


def channel_principal(
    *, channel: str, username: str, full_name: str, area_code: str, on_behalf_of: str
) -> User:
    """The channel's principal, allowed ``CHANNEL_CAPABILITIES[channel]`` in ``area_code`` (a
    village) for as long as this object lives. Pass it as ``actor`` to the one service call."""
    if channel not in CHANNEL_CAPABILITIES:
        raise ValueError(f"unknown channel {channel!r}")
    if not (area_code and area_code.isdigit() and len(area_code) == 12):
        raise ValueError(f"a channel acts in one village or community, not {area_code!r}")
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user = User.objects.get(pk=user.pk)  # a fresh object: the grant lives on this one only
    user._jiuzhu_channel = ChannelGrant(
        channel=channel,
        area_code=area_code,
        capabilities=CHANNEL_CAPABILITIES[channel],
        on_behalf_of=on_behalf_of,
    )
    user.audit_name = f"{username}（{on_behalf_of}）"
    return user


def channel_grant(user) -> ChannelGrant | None:
    return getattr(user, "_jiuzhu_channel", None)
