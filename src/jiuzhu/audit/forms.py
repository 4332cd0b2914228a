from django import forms
from django.utils.translation import gettext_lazy

from jiuzhu.core.labels import AUDIT_ACTION, labels


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("操作"), required=False)
    actor = forms.CharField(label=gettext_lazy("操作人(用户名)"), required=False)
    household = forms.CharField(label=gettext_lazy("家庭编号"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", gettext_lazy("全部"))] + [
            (k, v) for k, v in sorted(labels(AUDIT_ACTION).items())
        ]

    def filters_kwargs(self) -> dict:
        self.is_valid()  # cleaned_data keeps the fields that are valid
        data = getattr(self, "cleaned_data", {})
        return {
            k: data.get(k) or ("" if k in ("action", "actor", "household") else None)
            for k in ("action", "actor", "household", "date_from", "date_to")
        }
