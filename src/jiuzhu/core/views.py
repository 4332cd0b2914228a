from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jiuzhu.registry.selectors import dashboard_counts


@login_required
def home(request):
    """The home page: a first dashboard of the user's areas."""
    return render(request, "core/home.html", {"stats": dashboard_counts(user=request.user)})
