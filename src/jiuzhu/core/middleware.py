from django.utils.deprecation import MiddlewareMixin


class ChineseFirstMiddleware(MiddlewareMixin):
    """Serve Simplified Chinese unless the user picked another language.

    The staff's browsers are often set to English by a vendor image; the language a user chose in
    the menu (the django_language cookie) wins, the browser's Accept-Language header does not.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
