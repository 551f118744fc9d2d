"""Secrets never reach a log line or a Sentry event.

Tokens travel in three shapes: in a link's path (password reset, email
verification and change), as a JWT in a header, body or error message, and as a
query parameter or a URL's password. `scrub_text` blanks all three; the logging
filter, gunicorn's access log and Sentry's `before_send` all go through it, so
there is one list of what counts as secret.

This module imports nothing from Django: gunicorn loads it before the app.
"""

import logging
import re
from typing import Any, cast

from gunicorn.glogging import Logger as GunicornBaseLogger
from sentry_sdk.types import Event, Hint

REDACTED = "[Filtered]"

# Paths of accounts/urls.py whose last segments are a token.
_TOKEN_PATHS = re.compile(
    r"(?P<prefix>/(?:reset|account/email/confirm|account/verify))/(?!resend/|confirm/)(?P<rest>[^\s\"'?#]+)"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
_BEARER = re.compile(r"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_SECRET_PARAMS = re.compile(
    r"(?i)(?P<key>[?&;](?:token|key|password|secret|refresh|access|signature|sig|code|uid|uidb64)=)[^&;#\s\"']*"
)
# scheme://user:password@host: a DSN, a DATABASE_URL or REDIS_URL in an error.
_URL_PASSWORD = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s:@\"']*:[^/\s@\"']*@")

# Keys whose value is secret wherever they appear in a Sentry event: sentry's own
# list (passwords, tokens, cookies, authorization) plus the names this app uses.
SENTRY_DENYLIST = [
    "refresh",
    "access",
    "uidb64",
    "uid",
    "new_password",
    "new_password1",
    "new_password2",
    "old_password",
    "password1",
    "password2",
    "current_password",
    "secret_key",
    "dsn",
    "database_url",
    "redis_url",
    "ai_api_key",
    "email_host_password",
]


def scrub_text(text: str) -> str:
    text = _TOKEN_PATHS.sub(lambda m: f"{m['prefix']}/{REDACTED}{'/' if m['rest'].endswith('/') else ''}", text)
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _SECRET_PARAMS.sub(lambda m: f"{m['key']}{REDACTED}", text)
    return _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {key: _scrub_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_value(item) for item in value]
    return value


def sentry_before_send(event: Event, hint: Hint) -> Event:
    """Sentry's EventScrubber blanks secret keys; this blanks secrets inside text
    (URLs, messages, exception values, local variables' reprs, breadcrumbs)."""
    return cast(Event, _scrub_value(event))


class SecretsFilter(logging.Filter):
    """Rewrites a record's message with its secrets blanked, arguments merged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = scrub_text(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        return True


class GunicornLogger(GunicornBaseLogger):
    """gunicorn's logger with token paths and secret parameters blanked in the access log."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = scrub_text(atoms[key])
        if atoms.get("q"):
            atoms["q"] = scrub_text("?" + atoms["q"])[1:]
        for key in list(atoms):
            if key.lower() in ("{authorization}i", "{cookie}i", "{set-cookie}o", "{x-csrftoken}i"):
                atoms[key] = REDACTED
        return atoms
