"""Outages of the cache and the database, seen from a request.

CacheCircuitMiddleware gives each request a fresh cache circuit (config.cache): a hung Redis
costs one timeout per request, and its return is noticed on the next one.

DatabaseUnavailableMiddleware answers 503 while the database cannot be reached: JSON for the API,
a plain page (templates/503.html, rendered with no context processor and no user) for the rest.
"""

import logging
import sys
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from .cache import circuit_begin, circuit_end

logger = logging.getLogger("mapwright.database")

DATABASE_ERRORS = (OperationalError, InterfaceError)
UNAVAILABLE_DETAIL = "The service is temporarily unavailable."
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"
# Headers the inner middleware put on the response this one replaces, kept on the 503.
KEPT_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
)


class CacheCircuitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = circuit_begin()
        try:
            return self.get_response(request)
        finally:
            circuit_end(token)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    wants_json = request.headers.get("Accept", "").startswith("application/json")  # the pages' own polls
    if request.path.startswith(API_PREFIX) or wants_json:
        response = JsonResponse({"detail": UNAVAILABLE_DETAIL}, status=503)
    else:
        # No request passed: no context processor runs, so nothing asks the database for the user.
        response = HttpResponse(
            loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception)
def _note_database_error(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    # An error raised in another middleware is turned into a 500 before this middleware sees it;
    # the signal, sent while the exception is handled, says what it was.
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        request.database_unavailable = True  # type: ignore[attr-defined]


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS as error:
            return self._unavailable(request, error)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            replacement = self._unavailable(request, None)
            for header in KEPT_HEADERS:
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request: HttpRequest, error: Exception | None) -> HttpResponse:
        cause = error.__class__.__name__ if error is not None else "an error in a middleware"
        logger.error("database unavailable on %s %s: %s", request.method, request.path, cause)
        return database_unavailable_response(request)
