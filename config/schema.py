"""The error responses of the OpenAPI schema, documented once for every operation.

drf-spectacular documents only the answers a view declares. This hook
(SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) adds the errors each operation
can really give, with the bodies DRF really sends (`config.api` turns service
errors and rate limits into DRF's own):

- 400 where a body or a query parameter is read: the field-keyed errors of a
  serializer or a service, or `{"detail": ...}` for a body that is not JSON;
- 401 where authentication is required, or where the view checks a token or
  credentials itself (the JWT endpoints, logout);
- 403 where a session cookie authenticates an unsafe method: a missing CSRF token;
- 404 where the path names an object (another user's answers 404 too), or a
  list is paginated (a page past the end);
- 409 where the body carries a `version` to check;
- 429, with Retry-After, where the view counts the request against a rate limit
  (`config.ratelimit.enforce_rate_limit`) or DRF throttles it.

An answer a view declares itself (the story conflict's 409, say) is kept as declared.
"""

import inspect
from collections.abc import Callable
from typing import Any

from rest_framework.authentication import SessionAuthentication

from stories.limits import TITLE_MAX

UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})
# Calls that make a view answer 429, and exceptions that make it answer 401 although anyone may call it.
RATE_LIMIT_CALLS = frozenset({"enforce_rate_limit"})
TOKEN_ERRORS = frozenset({"InvalidToken", "AuthenticationFailed", "NotAuthenticated"})
# How far `_calls` follows helper functions (view → _limit_story_writes → enforce_rate_limit).
CALL_DEPTH = 3

ERROR_DETAIL = "ErrorDetail"
VALIDATION_ERRORS = "ValidationErrors"

COMPONENTS: dict[str, dict[str, Any]] = {
    ERROR_DETAIL: {
        "type": "object",
        "description": "DRF's error body: what went wrong, in a sentence.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_ERRORS: {
        "type": "object",
        "description": "The fields that were refused, each with its messages (non_field_errors: the body as a "
        "whole). A list's entries are keyed by their index, a nested object's by its own fields.",
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "object"},
                {"type": "string"},
            ]
        },
        "example": {"title": [f"Ensure this field has no more than {TITLE_MAX} characters."]},
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _calls(func: Any, names: frozenset[str], depth: int = CALL_DEPTH) -> bool:
    """Whether `func`, or a function of its module that it names (to `depth` levels), names one of `names`."""
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    if names & set(code.co_names):
        return True
    if depth == 0:
        return False
    module = getattr(func, "__globals__", {})
    return any(
        inspect.isfunction(module.get(name)) and _calls(module[name], names, depth - 1) for name in code.co_names
    )


def _handlers(callback: Callable[..., Any], method: str) -> list[Any]:
    """The view's handler for `method`, and the ones of its bases that it reaches through super()."""
    cls = getattr(callback, "cls", None)
    actions = getattr(callback, "actions", None) or {}
    name = actions.get(method.lower(), method.lower())
    found: list[Any] = []
    for klass in getattr(cls, "__mro__", ()):
        if name not in vars(klass):
            continue
        found.append(vars(klass)[name])
        code = getattr(inspect.unwrap(found[-1]), "__code__", None)
        if code is None or "super" not in code.co_names:
            break
    return found


def _body_fields(operation: dict[str, Any], components: dict[str, Any]) -> set[str]:
    fields: set[str] = set()
    for media in operation.get("requestBody", {}).get("content", {}).values():
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
        fields |= set(schema.get("properties", {}))
    return fields


def _requires_authentication(operation: dict[str, Any]) -> bool:
    security = operation.get("security") or []
    # drf-spectacular lists {} among the schemes when an anonymous caller is let in.
    return bool(security) and {} not in security


def error_responses(
    operation: dict[str, Any], *, method: str, view: Any, handlers: list[Any], components: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """The error answers `operation` can give, by status code; `handlers`: the view code that answers it."""
    parameters = operation.get("parameters", [])
    in_path = [p for p in parameters if p.get("in") == "path"]
    in_query = [p["name"] for p in parameters if p.get("in") == "query"]
    has_body = "requestBody" in operation
    responses: dict[str, dict[str, Any]] = {}

    if has_body or set(in_query) - {"page"}:
        schema = {"anyOf": [_ref(VALIDATION_ERRORS), _ref(ERROR_DETAIL)]} if has_body else _ref(VALIDATION_ERRORS)
        responses["400"] = {
            "description": "Refused: the body names each field that was wrong (and why), or says the body "
            "could not be read.",
            "content": _json(schema),
        }
    if _requires_authentication(operation) or any(_calls(handler, TOKEN_ERRORS) for handler in handlers):
        responses["401"] = {
            "description": "Not authenticated: no credentials, or a token that is invalid or expired.",
            "content": _json(_ref(ERROR_DETAIL)),
        }
    authenticators = getattr(view, "authentication_classes", ()) or ()
    if method in UNSAFE_METHODS and any(issubclass(cls, SessionAuthentication) for cls in authenticators):
        responses["403"] = {
            "description": "Forbidden: a request authenticated by the session cookie without its CSRF token.",
            "content": _json(_ref(ERROR_DETAIL)),
        }
    if in_path or "page" in in_query:
        responses["404"] = {
            "description": "Not found: no such object, or not one of yours"
            + (", or a page past the last one." if "page" in in_query else "."),
            "content": _json(_ref(ERROR_DETAIL)),
        }
    if "version" in _body_fields(operation, components):
        responses["409"] = {
            "description": "Conflict: the object changed since the version you read.",
            "content": _json(_ref(ERROR_DETAIL)),
        }
    if any(_calls(handler, RATE_LIMIT_CALLS) for handler in handlers) or getattr(view, "throttle_classes", None):
        responses["429"] = {
            "description": "Too many requests: wait the seconds Retry-After gives and try again.",
            "headers": {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}
            },
            "content": _json(_ref(ERROR_DETAIL)),
        }
    return responses


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: every operation gets the error responses it can give."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in COMPONENTS.items():
        schemas.setdefault(name, schema)
    paths = result.get("paths", {})
    for path, _path_regex, method, callback in generator.endpoints or []:
        view = generator.create_view(callback, method)
        coerced = generator.coerce_path(path, method, view)
        operation = paths.get(coerced if coerced.startswith("/") else f"/{coerced}", {}).get(method.lower())
        if operation is None:
            continue
        errors = error_responses(
            operation,
            method=method.lower(),
            view=view,
            handlers=_handlers(callback, method),
            components=schemas,
        )
        responses = operation.setdefault("responses", {})
        for status, response in errors.items():
            responses.setdefault(status, response)
    return result
