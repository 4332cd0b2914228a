from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.accounts.roles import Capability, Role
from jiuzhu.accounts.widgets import AreaPicker
from jiuzhu.areas.models import AreaLevel
from jiuzhu.core.forms import DateInput, NamedErrorsMixin
from jiuzhu.core.labels import DEPARTMENT, labels

INDENT = {AreaLevel.CITY: 0, AreaLevel.COUNTY: 1, AreaLevel.TOWNSHIP: 2, AreaLevel.VILLAGE: 3}


def area_choices(areas):
    return [("", "——")] + [
        (a.code, "\u3000" * INDENT.get(a.level, 0) + f"{a.name}（{a.code}）") for a in areas
    ]


class RoleAssignForm(NamedErrorsMixin, forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=[("", "——"), *Role.choices])
    area = forms.ChoiceField(
        label=gettext_lazy("管辖区域"), widget=AreaPicker(capability=Capability.ACCOUNTS_MANAGE)
    )
    department = forms.ChoiceField(
        label=gettext_lazy("部门"), required=False, help_text=gettext_lazy("仅部门数据员填写")
    )
    valid_from = forms.DateField(label=gettext_lazy("生效日期"), required=False, widget=DateInput)
    valid_until = forms.DateField(label=gettext_lazy("失效日期"), required=False, widget=DateInput)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(areas)
        self.fields["department"].choices = [("", "——"), *labels(DEPARTMENT).items()]
        self.fields["area"].error_messages["invalid_choice"] = _("“管辖区域”须在您的管理范围内")


class UserCreateForm(RoleAssignForm):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    password = forms.CharField(
        label=gettext_lazy("初始密码"),
        min_length=8,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("至少10位，不能全是数字或常见密码；用户首次登录时须修改"),
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


class PasswordResetForm(NamedErrorsMixin, forms.Form):
    password = forms.CharField(
        label=gettext_lazy("新的初始密码"),
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("用户下次登录时须修改"),
    )
    reason = forms.CharField(label=gettext_lazy("重置理由"), max_length=500)


class ReasonForm(NamedErrorsMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=500)


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(max_length=4096, strip=False)


class TotpForm(NamedErrorsMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("动态口令"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=gettext_lazy("验证器应用中当前显示的6位数字"),
    )


class PasswordChangeForm(NamedErrorsMixin, forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("原密码"), strip=False, widget=forms.PasswordInput
    )
    new_password = forms.CharField(
        label=gettext_lazy("新密码"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=gettext_lazy("至少10位，不能全是数字，不能与用户名相近，不能是常见密码"),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("再次输入新密码"), strip=False, widget=forms.PasswordInput
    )

    def clean(self):
        d = super().clean()
        if d.get("new_password") and d.get("new_password") != d.get("new_password2"):
            self.add_error("new_password2", _("两次输入的“新密码”不一致"))
        return d


class RevokeForm(NamedErrorsMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤销理由"), max_length=500)
