"""What every API view shares: errors as DRF JSON, rate limits as 429."""

import json
from collections.abc import Mapping
from typing import IO, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from rest_framework.exceptions import ParseError, Throttled
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import JSONParser
from rest_framework.serializers import as_serializer_error
from rest_framework.utils.json import strict_constant

from .ratelimit import RateLimited


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES, which names this module.
    from rest_framework.views import exception_handler

    # Services raise Django's ValidationError keyed by field; the API answers
    # 400 with the same keys.
    if isinstance(exc, DjangoValidationError):
        exc = DRFValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, RateLimited):
        exc = Throttled(wait=exc.retry_after)
    return exception_handler(exc, context)


# --- JSON bodies ------------------------------------------------------------------

# No request body of this API nests more than a few levels (a story in a list
# in an object); the bound keeps serializers and renderers far from recursion.
MAX_JSON_DEPTH = 32


class JSONBodyInvalid(ValueError):
    """A request body that is not JSON, or nests deeper than MAX_JSON_DEPTH."""


def _depth(value: Any) -> int:
    # Iterative: the value may come from the very input that is too deep to recurse on.
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            break
        pending.extend((child, level + 1) for child in children)
    return deepest


def json_body(data: bytes | str) -> Any:
    """The JSON value of a request body, or JSONBodyInvalid saying why not (never RecursionError).

    NaN and Infinity are refused, as DRF's strict JSON does: they are not JSON.
    """
    try:
        value = json.loads(data, parse_constant=strict_constant)
    except RecursionError:
        raise JSONBodyInvalid(f"nested too deeply (at most {MAX_JSON_DEPTH} levels)") from None
    except ValueError as error:  # also UnicodeDecodeError
        raise JSONBodyInvalid(str(error)) from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise JSONBodyInvalid(f"nested too deeply (at most {MAX_JSON_DEPTH} levels)")
    return value


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, but absurdly nested input is a 400 like any other bad JSON, not a 500."""

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            return json_body(stream.read().decode(encoding))
        except (JSONBodyInvalid, UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - {error}") from None


class APIMetadata(SimpleMetadata):
    """OPTIONS answers: DRF's, without describing a serializer when the view has no single one.

    The list views pick a serializer per method (list one way, create another)
    instead of setting serializer_class, on which DRF's metadata asserts: a 500.
    """

    def determine_actions(self, request: Any, view: Any) -> dict[str, Any]:
        if getattr(view, "serializer_class", None) is None:
            return {}
        return super().determine_actions(request, view)
