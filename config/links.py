from django.conf import settings
from django.http import HttpRequest


def site_url(request: HttpRequest) -> str:
    """The site's root URL without a trailing slash, for links sent by email."""
    return settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")
