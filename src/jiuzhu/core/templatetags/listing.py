"""Cells and headers of the list tables (``core/_list_table.html``)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from jiuzhu.core.masking import mask_account, mask_id_number, mask_phone

register = template.Library()

_MASKS = {"id_number": mask_id_number, "phone": mask_phone, "account_number": mask_account}


@register.simple_tag
def list_cell(column, row):
    """A cell as the page shows it: masked when sensitive (the page never reveals), linked."""
    value = column.value(row)
    if value is None:
        value = ""
    elif isinstance(value, bool):
        value = _("是") if value else _("否")
    if column.sensitive and value:
        value = _MASKS.get(column.sensitive, mask_id_number)(str(value))
    if column.link is not None and value != "":
        url = column.link(row)
        if url:
            return format_html('<a href="{}">{}</a>', url, value)
    return value


@register.simple_tag
def sort_header(listpage, column):
    """A column header: a link that sorts by it (▲/▼ shows the current order)."""
    if not column.sort:
        return column.header
    state = listpage.sort_state(column.sort)
    mark = {"asc": " ▲", "desc": " ▼"}.get(state, "")
    aria = {"asc": "ascending", "desc": "descending"}.get(state, "none")
    return format_html(
        '<a href="{}" class="sort {}" data-sort="{}" aria-sort="{}">{}{}</a>',
        listpage.sort_link(column.sort),
        state,
        column.sort,
        aria,
        column.header,
        mark,
    )
