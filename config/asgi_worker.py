"""gunicorn's worker for the ASGI application: uvicorn's, with the access log kept free of secrets.

uvicorn writes its own access line ('client - "GET /path?query HTTP/1.1" 200') to gunicorn's
access handlers, past GunicornLogger and its format. This worker drops the query string and blanks
token paths in that line (config/scrub.py), as the WSGI access log did.

Like config/scrub.py it imports nothing from Django: gunicorn loads it before the app.
"""

import logging
from typing import Any

from uvicorn_worker import UvicornWorker as BaseUvicornWorker

from config.scrub import scrub_text

# The position of the path in uvicorn's access-log arguments: (client, method, path, http version, status).
_PATH_ARG = 2


class AccessLogScrubber(logging.Filter):
    """The path of uvicorn's access line without its query string, token paths blanked."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        path = args[_PATH_ARG] if isinstance(args, tuple) and len(args) > _PATH_ARG else None
        if isinstance(args, tuple) and isinstance(path, str):
            record.args = (*args[:_PATH_ARG], scrub_text(path.split("?", 1)[0]), *args[_PATH_ARG + 1 :])
        else:
            record.msg, record.args = scrub_text(record.getMessage()), None
        return True


class UvicornWorker(BaseUvicornWorker):
    # Django's ASGI handler has no lifespan events: saying so spares a warning at each start.
    CONFIG_KWARGS: dict[str, Any] = {**BaseUvicornWorker.CONFIG_KWARGS, "lifespan": "off"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        access = logging.getLogger("uvicorn.access")
        if not any(isinstance(item, AccessLogScrubber) for item in access.filters):
            access.addFilter(AccessLogScrubber())
