from django import forms
from django.utils.translation import gettext_lazy

from jiuzhu.accounts.forms import area_choices
from jiuzhu.core.forms import NamedErrorsMixin
from jiuzhu.interop.models import AGREEABLE_FIELDS, Scope
from jiuzhu.interop.services import MAX_TOKEN_DAYS
from jiuzhu.verify.models import Department

FIELD_CHOICES = list(AGREEABLE_FIELDS.items())


class AccountForm(NamedErrorsMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("接入系统名称"), max_length=80)
    sender_id = forms.CharField(
        label=gettext_lazy("系统标识（sender_id）"),
        max_length=64,
        help_text=gettext_lazy("对方报文头中的 sender_id，如 yibao-321200"),
    )
    department = forms.ChoiceField(
        label=gettext_lazy("所属部门"),
        required=False,
        choices=[("", "——"), *Department.choices],
        help_text=gettext_lazy("上传部门数据或推送出生死亡登记时必填"),
    )
    area = forms.ChoiceField(label=gettext_lazy("地区"))
    purpose = forms.CharField(label=gettext_lazy("用途"), max_length=200)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("授权范围"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    fields = forms.MultipleChoiceField(
        label=gettext_lazy("约定字段"),
        required=False,
        choices=FIELD_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("数据共享协议约定的字段；其他字段一律不发送"),
    )
    reveal = forms.MultipleChoiceField(
        label=gettext_lazy("明文字段"),
        required=False,
        choices=FIELD_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("约定字段中不脱敏发送的（身份证号、手机号、姓名默认脱敏）"),
    )
    signature_mode = forms.ChoiceField(
        label=gettext_lazy("报文签名"),
        choices=[
            ("message", gettext_lazy("逐条报文签名")),
            ("sender", gettext_lazy("发送方声明签名")),
            ("none", gettext_lazy("不验签")),
        ],
    )
    public_key = forms.CharField(
        label=gettext_lazy("验签公钥（JWK）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(areas)


class TokenForm(NamedErrorsMixin, forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("有效天数"), min_value=1, max_value=MAX_TOKEN_DAYS, initial=90
    )


class ReasonForm(NamedErrorsMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200)
