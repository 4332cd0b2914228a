from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.registry.selectors import (
    HouseholdFilters,
    household_profile,
    household_search,
    paginate,
)


@login_required
def household_list(request):
    if not has_capability(request.user, Capability.REGISTRY_VIEW):
        raise PermissionDenied
    filters = HouseholdFilters(
        q=request.GET.get("q", ""),
        area=request.GET.get("area", ""),
        sort=request.GET.get("sort", "number"),
    )
    page = paginate(
        household_search(user=request.user, filters=filters),
        page=int(request.GET.get("page", "1") or 1),
        per_page=25,
    )
    return render(request, "registry/household_list.html", {"page": page, "filters": filters})


@login_required
def household_detail(request, pk: int):
    return render(
        request,
        "registry/household_detail.html",
        household_profile(user=request.user, household_id=pk),
    )
