"""Template filters of the registry pages: masked identifiers and money."""

from decimal import Decimal

from django import template

from jiuzhu.core.masking import mask_id_number, mask_phone

register = template.Library()


@register.filter
def masked_id(value):
    return mask_id_number(value) or "—"


@register.filter
def masked_phone(value):
    return mask_phone(value) or "—"


@register.filter
def yuan(value):
    """1234.5 → 1,234.50 (Decimal, never float)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"
