import secrets

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin


class ChineseFirstMiddleware(MiddlewareMixin):
    """Serve Simplified Chinese unless the user picked another language.

    The staff's browsers are often set to English by a vendor image; the language a user chose in
    the menu (the django_language cookie) wins, the browser's Accept-Language header does not.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on every response (``JIUZHU_CSP``; off when empty).

    Scripts come from this site only; the few inline ``<script>`` blocks carry the per-request
    nonce (``request.csp_nonce``; htmx copies it onto scripts in swapped fragments through its
    ``inlineScriptNonce`` setting). No CDN, no inline event handlers, no framing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        policy = getattr(settings, "JIUZHU_CSP", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy.replace("{nonce}", request.csp_nonce)
        return response
