"""``{{ code|programme_label }}``: a programme code's name in the active language."""

from django import template

from jiuzhu.core.programmes import programme_label as _programme_label

register = template.Library()


@register.filter
def programme_label(code: str) -> str:
    return _programme_label(code)
