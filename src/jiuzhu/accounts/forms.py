from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.accounts.roles import Role
from jiuzhu.areas.models import AreaLevel
from jiuzhu.registry.forms import DateInput, NamedErrorsMixin

INDENT = {AreaLevel.CITY: 0, AreaLevel.COUNTY: 1, AreaLevel.TOWNSHIP: 2, AreaLevel.VILLAGE: 3}


def area_choices(areas):
    return [("", "——")] + [
        (a.code, "\u3000" * INDENT.get(a.level, 0) + f"{a.name}（{a.code}）") for a in areas
    ]


class RoleAssignForm(NamedErrorsMixin, forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=[("", "——"), *Role.choices])
    area = forms.ChoiceField(label=gettext_lazy("管辖区域"))
    department = forms.CharField(
        label=gettext_lazy("部门代码"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("仅部门数据员填写，如 police、hrss、disability_federation"),
    )
    valid_from = forms.DateField(label=gettext_lazy("生效日期"), required=False, widget=DateInput)
    valid_until = forms.DateField(label=gettext_lazy("失效日期"), required=False, widget=DateInput)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(areas)
        self.fields["area"].error_messages["invalid_choice"] = _("“管辖区域”须在您的管理范围内")


class UserCreateForm(RoleAssignForm):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    password = forms.CharField(
        label=gettext_lazy("初始密码"),
        min_length=8,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("至少8位；请用户首次登录后修改"),
    )

    field_order = [
        "username",
        "full_name",
        "password",
        "role",
        "area",
        "department",
        "valid_from",
        "valid_until",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].error_messages["min_length"] = _("“初始密码”至少8位")


class RevokeForm(NamedErrorsMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤销理由"), max_length=500)
