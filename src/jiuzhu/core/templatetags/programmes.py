"""``{{ code|programme_label }}``: a programme code's name in the active language."""

from django import template

from jiuzhu.core.programmes import programme_label as _programme_label

register = template.Library()


@register.filter
def programme_label(code: str) -> str:
    return _programme_label(code)


@register.filter
def programme_labels(codes) -> list[str]:
    """``{{ codes|programme_labels|join:sep }}``: the names of a list of programme codes."""
    return [_programme_label(c) for c in codes or ()]
