"""Form helpers every app's pages share: field-naming error messages, the date input, and
putting a service's errors next to the fields they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from jiuzhu.core.errors import ConcurrentEditError, ServiceError


class NamedErrorsMixin:
    """Required/invalid messages that name the field: “出生日期”为必填项."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reason" in self.fields:  # the reason comes last, just above the save button
            self.fields["reason"] = self.fields.pop("reason")
        for f in self.fields.values():
            label = f.label
            f.error_messages["required"] = _("“%(label)s”为必填项") % {"label": label}
            f.error_messages["invalid"] = _("“%(label)s”格式不正确") % {"label": label}
            f.error_messages["invalid_choice"] = _("“%(label)s”的值不在可选范围内") % {
                "label": label
            }
            if isinstance(f, forms.DateField):
                f.error_messages["invalid"] = _(
                    "“%(label)s”不是有效日期，请按 年-月-日 填写，如 1980-05-17"
                ) % {"label": label}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def apply_service_error(exc: ServiceError, forms_by_prefix: dict[str, forms.Form]) -> bool:
    """Put a service's messages next to the fields they name; return True for a concurrent edit.

    ``forms_by_prefix`` maps an error-key prefix ("" for plain keys, "head" for "head.id_number")
    to the form holding those fields; anything unknown goes to the main form's non-field errors.
    """
    main = forms_by_prefix[""]
    for key, messages in exc.errors.items():
        prefix, _sep, name = key.rpartition(".")
        form = forms_by_prefix.get(prefix, main)
        for msg in messages:
            if name in form.fields:
                form.add_error(name, msg)
            else:
                main.add_error(None, msg)
    return isinstance(exc, ConcurrentEditError)
