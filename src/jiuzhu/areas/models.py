"""The administrative-division tree (行政区划), keyed by 12-digit statistical codes.

GB/T 2260 / 统计用区划代码 codes are hierarchical: a province is the first 2 digits, a city 4,
a county 6, a township 9 and a village 12. An area's *prefix* is therefore the start shared by
every code in its subtree, and scoping a query to a subtree is a prefix match on an indexed
column — one mechanism for every list (see ``jiuzhu.accounts.scoping``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县/区")
    TOWNSHIP = "township", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")


PREFIX_LENGTH = {
    AreaLevel.PROVINCE: 2,
    AreaLevel.CITY: 4,
    AreaLevel.COUNTY: 6,
    AreaLevel.TOWNSHIP: 9,
    AreaLevel.VILLAGE: 12,
}
LEVEL_ORDER = [
    AreaLevel.PROVINCE,
    AreaLevel.CITY,
    AreaLevel.COUNTY,
    AreaLevel.TOWNSHIP,
    AreaLevel.VILLAGE,
]


def level_for_code(code: str) -> AreaLevel:
    """The level a 12-digit code denotes, from where its trailing zeros start."""
    if len(code) != 12 or not code.isdigit():
        raise ValueError(f"区划代码必须是12位数字: {code!r}")
    if code[9:] != "000":
        return AreaLevel.VILLAGE
    if code[6:9] != "000":
        return AreaLevel.TOWNSHIP
    if code[4:6] != "00":
        return AreaLevel.COUNTY
    if code[2:4] != "00":
        return AreaLevel.CITY
    return AreaLevel.PROVINCE


def parent_code(code: str) -> str | None:
    level = level_for_code(code)
    idx = LEVEL_ORDER.index(level)
    if idx == 0:
        return None
    keep = PREFIX_LENGTH[LEVEL_ORDER[idx - 1]]
    return code[:keep].ljust(12, "0")


class Area(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=80)
    level = models.CharField(_("层级"), max_length=10, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # 城乡分类代码 (111 主城区 … 220 村庄) where the source has it; villages only.
    urban_rural_code = models.CharField(_("城乡分类代码"), max_length=3, blank=True)
    synthetic = models.BooleanField(
        _("合成数据"), default=False, help_text=_("演示用合成的村/社区，非官方区划")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[AreaLevel(self.level)]]

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)

    def ancestors(self) -> list["Area"]:
        """From the root down to the parent, in one query."""
        codes = []
        code = parent_code(self.code)
        while code:
            codes.append(code)
            code = parent_code(code)
        by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
        return [by_code[c] for c in reversed(codes) if c in by_code]

    def full_name(self) -> str:
        return "".join(a.name for a in [*self.ancestors(), self] if a.level != AreaLevel.PROVINCE)


class OrgUnitKind(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
    TOWNSHIP_OFFICE = "township_office", _("乡镇人民政府/街道办事处")
    VILLAGE_COMMITTEE = "village_committee", _("村(居)民委员会")
    DEPARTMENT = "department", _("协同部门")
    SUPERVISION = "supervision", _("纪检监察/审计")
    FINANCE = "finance", _("财政部门")


class OrgUnit(models.Model):
    """An office: 民政局, 街道办, 村委会, 残联 … attached to the area it serves."""

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=24, choices=OrgUnitKind.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="org_units")
    department = models.CharField(
        _("部门代码"), max_length=32, blank=True, help_text=_("协同部门的数据来源代码，如 police")
    )

    class Meta:
        ordering = ["area_id", "name"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")

    def __str__(self) -> str:
        return self.name
