"""The area picker's endpoint: the tree's nodes or search results, inside the user's areas.

HTML fragments for the widget (``accounts.widgets.AreaPicker``) or, with ``format=json``, the
same nodes as JSON. Area names are not personal data; nothing outside the user's areas is shown.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiuzhu.accounts.area_tree import picker_prefixes, search_nodes, tree_nodes
from jiuzhu.areas.models import AreaLevel


@login_required
@require_GET
def area_pick(request):
    g = request.GET
    prefixes = picker_prefixes(request.user, g.get("cap", ""))
    levels = tuple(v for v in g.get("pick", "").split(",") if v in AreaLevel.values)
    q = g.get("q", "").strip()[:40]
    more = False
    if q:
        nodes, more = search_nodes(prefixes, q, levels)
    else:
        nodes = tree_nodes(prefixes, g.get("parent", "").strip()[:12])
    for n in nodes:
        n["selectable"] = not levels or n["level"] in levels
    if g.get("format") == "json":
        return JsonResponse({"results": nodes, "more": more})
    base = {k: g[k] for k in ("name", "cap", "pick") if g.get(k)}
    return render(
        request,
        "accounts/widgets/_area_nodes.html",
        {"nodes": nodes, "q": q, "more": more, "base_qs": urlencode(base), "searching": bool(q)},
    )
