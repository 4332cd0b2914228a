"""Grids (网格) below the village and their workers (writes)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area
from jiuzhu.areas.models import Area, AreaLevel
from jiuzhu.audit.services import audit_record
from jiuzhu.cooperation.models import Grid, GridWorker
from jiuzhu.core import clock
from jiuzhu.core.errors import ServiceError


@transaction.atomic
def grid_create(*, actor, village_code: str, name: str) -> Grid:
    """A grid of a village (by the street or county, who can review cases there)."""
    if not Area.objects.filter(code=village_code, level=AreaLevel.VILLAGE).exists():
        raise ServiceError(
            _("网格设在村（社区）之下：区划 %(code)s 不是村（社区）") % {"code": village_code},
            field="village",
        )
    require_area(actor, Capability.CASE_REVIEW, village_code)
    if not (name or "").strip():
        raise ServiceError(_("请填写网格名称"), field="name")
    grid = Grid.objects.create(village_id=village_code, name=name.strip())
    audit_record(
        actor=actor,
        action="grid.create",
        subject_type="grid",
        subject_id=grid.pk,
        area_code=village_code,
        after={"name": grid.name},
    )
    return grid


@transaction.atomic
def grid_worker_assign(*, actor, grid_id: int, user) -> GridWorker:
    grid = Grid.objects.filter(pk=grid_id).first()
    if grid is None:
        raise ServiceError(_("网格不存在"), code="not_found")
    require_area(actor, Capability.CASE_REVIEW, grid.village_id)
    row = GridWorker.objects.create(grid=grid, user=user, since=clock.today())
    audit_record(
        actor=actor,
        action="grid.assign",
        subject_type="grid",
        subject_id=grid.pk,
        area_code=grid.village_id,
        after={"user": user.pk},
    )
    return row
