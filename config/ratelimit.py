"""Rate limits for pages and the API, counted by django-ratelimit in the shared cache.

Views call `enforce_rate_limit` where the limit applies (after DRF has
authenticated the request, so per-user keys see the user). Exceeding a limit
raises `RateLimited`: the API answers 429 with a JSON detail and Retry-After,
pages answer 429 with a friendly page and Retry-After.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

RateLimitKey = str | Callable[[str, HttpRequest], str]


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Rate limit exceeded; retry after {retry_after} seconds.")
        self.retry_after = retry_after


def enforce_rate_limit(request: HttpRequest, *, limit: str, key: RateLimitKey = "ip") -> None:
    """Count this request against `settings.RATE_LIMITS[limit]`; raise RateLimited past it."""
    if key == "ip" and not request.META.get(settings.RATELIMIT_IP_META_KEY or "REMOTE_ADDR"):
        # A request with no client address (a WSGI server that leaves it out, or a
        # proxy header that is missing): one shared bucket, not a KeyError.
        key = _NO_ADDRESS
    usage = get_usage(request, group=f"mapwright:{limit}", key=key, rate=settings.RATE_LIMITS[limit], increment=True)
    if usage is not None and usage["should_limit"]:
        raise RateLimited(retry_after=max(1, int(usage["time_left"])))


def _NO_ADDRESS(group: str, request: HttpRequest) -> str:
    return "no-client-address"


def value_key(value: str) -> RateLimitKey:
    """A key counting per value (an email address, say) rather than per client."""
    normalised = value.strip().lower()
    return lambda group, request: normalised


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RateLimited):
            return None
        response = render(request, "429.html", {"retry_after": exception.retry_after}, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response
