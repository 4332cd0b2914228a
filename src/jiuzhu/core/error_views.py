"""The site's error pages (400/403/404/500) in Chinese, in the site layout, with a way back.

400, 403 and 404 render with the request (the menu of the signed-in user is shown). The 500 page
renders WITHOUT the request or any context processor: it must work when the database is down.
The exception's text is never shown (a PermissionDenied carries a capability name).
"""

from django.http import (
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def bad_request(request, exception=None):
    return HttpResponseBadRequest(loader.render_to_string("errors/400.html", request=request))


@requires_csrf_token
def permission_denied(request, exception=None):
    return HttpResponseForbidden(loader.render_to_string("errors/403.html", request=request))


@requires_csrf_token
def page_not_found(request, exception=None):
    return HttpResponseNotFound(loader.render_to_string("errors/404.html", request=request))


def csrf_failure(request, reason=""):
    return HttpResponseForbidden(loader.render_to_string("errors/403_csrf.html", request=request))


def server_error(request):
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
