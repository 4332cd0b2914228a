"""The area tree picker: a form widget that replaces the long area dropdown.

The widget renders a hidden input holding the 12-digit area code (the submitted value), the
chosen area's name with its path, and a collapsible panel with a search box and the area tree.
Both are filled over HTMX from ``accounts:area_pick``, which answers only inside the user's areas
(``accounts.area_views``). Usage in a form::

    from jiuzhu.accounts.widgets import AreaPicker

    area = forms.ChoiceField(label=_("区域"), widget=AreaPicker(capability=Capability.REGISTRY_VIEW))
    # or on an existing field: self.fields["area"].widget = AreaPicker(pick=("village",))

``capability`` narrows the tree to the areas where the user holds it (default: every area of
every role the user holds); ``pick`` lists the levels that may be chosen (default: any). The
form still validates the code (a ``ChoiceField`` with the allowed areas, or the service).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.urls import reverse

from jiuzhu.accounts.area_tree import area_path_label


class AreaPicker(forms.Widget):
    template_name = "accounts/widgets/area_picker.html"

    def __init__(self, *, capability: str = "", pick=(), attrs=None):
        super().__init__(attrs)
        self.capability = capability
        self.pick = tuple(pick)

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.capability, obj.pick = self.capability, self.pick
        return obj

    def format_value(self, value):
        return "" if value in (None, "") else str(value)

    def get_context(self, name, value, attrs):
        ctx = super().get_context(name, value, attrs)
        params = {"name": name}
        if self.capability:
            params["cap"] = self.capability
        if self.pick:
            params["pick"] = ",".join(self.pick)
        code = ctx["widget"]["value"]
        ctx["widget"].update(
            url=reverse("accounts:area_pick") + "?" + urlencode(params),
            label=area_path_label(code) if code else "",
            dom_id=ctx["widget"]["attrs"].get("id") or f"id_{name}",
        )
        return ctx

    def value_from_datadict(self, data, files, name):
        return (data.get(name) or "").strip()

    def value_omitted_from_data(self, data, files, name):
        return name not in data
