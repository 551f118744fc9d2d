"""What every API view shares: errors as DRF JSON, rate limits as 429."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from rest_framework.exceptions import Throttled
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from .ratelimit import RateLimited


def api_exception_handler(exc: Exception, context: dict) -> HttpResponse | None:
    # Services raise Django's ValidationError keyed by field; the API answers
    # 400 with the same keys.
    if isinstance(exc, DjangoValidationError):
        exc = DRFValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, RateLimited):
        exc = Throttled(wait=exc.retry_after)
    return exception_handler(exc, context)
