"""Helpers for page tests: a bound citizen signed in on the test client."""

from jiuzhu.portal.views import SESSION_KEY


def sign_in(client, citizen):
    session = client.session
    session[SESSION_KEY] = citizen.pk
    session.save()
