"""Helpers for page tests: a bound citizen signed in on the test client."""

from django.conf import settings

from jiuzhu.portal.views import SESSION_KEY


def sign_in(client, citizen, **extra):
    """A fresh session for ``citizen`` (plus ``extra`` session values)."""
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    session = client.session
    session[SESSION_KEY] = citizen.pk
    session.update(extra)
    session.save()
